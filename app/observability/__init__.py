"""Operations: Prometheus metrics (one registry per app), JSON logs with request/learner/submission ids,
and the readiness checks behind ``/readyz``. ``create_app`` wires them; nothing here is a global."""
