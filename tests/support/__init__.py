"""Test support: fakes of the app's seams (kernels, kernel providers, graders) and a test-only app factory.

Nothing here ships in the product: the app takes these through ``create_app``'s ``grader`` and
``kernel_provider`` arguments, and the multi-process tests start servers through
``tests.support.app_factory`` (``uvicorn --factory``).
"""
