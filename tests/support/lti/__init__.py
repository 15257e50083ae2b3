"""An LMS played by the test suite (``platform.TestPlatform``): see its docstring."""
