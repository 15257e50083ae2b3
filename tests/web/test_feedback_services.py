"""app.services.clusters and app.services.feedback on both databases: clusters ranked by size with their
verdicts and representative; cluster comments reach every present and future submission of the cluster
(only in the cohort they were written for, only for the same normal-form version); line comments; who may
write, edit and delete."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from app.models import CohortRole, Role, User, UserCreate
from app.services import clusters, cohorts, feedback, submissions, users

V = "1-c16"


def _user(session: Session, name: str, role: Role = Role.LEARNER) -> User:
    return users.create_user(
        session=session, user_create=UserCreate(username=name, password="correct horse", role=role.value)
    )


def _graded(session: Session, user: User, key: str, verdict: str = "pass", version: str = V, code: str = "") -> int:
    sub = submissions.create_submission(
        session=session, user=user, lesson_id="demo-add", code=code or f"def f(x):\n    return x + 1  # {key}\n"
    )
    assert sub.id is not None
    cluster = {
        "key": key,
        "version": version,
        "traced": key.startswith("j-"),
        "normal_form": f"in in0:f32[4]\n# {key}\nout in0",
    }
    report: dict[str, Any] = {"status": verdict, "score": 1.0 if verdict == "pass" else 0.0, "checks": []}
    submissions.mark_done(session=session, submission_id=sub.id, report={**report, "cluster": cluster})
    return sub.id


@pytest.fixture
def world(engine: Any) -> dict[str, Any]:
    with Session(engine) as s:
        w: dict[str, Any] = {
            "ines": _user(s, "ines", Role.INSTRUCTOR),
            "otto": _user(s, "otto", Role.INSTRUCTOR),
            "root": _user(s, "root", Role.ADMIN),
            "lea": _user(s, "lea"),
            "leo": _user(s, "leo"),
            "zed": _user(s, "zed"),  # in no cohort
        }
        spring = cohorts.create_cohort(session=s, name="Spring", creator=w["ines"])
        other = cohorts.create_cohort(session=s, name="Other", creator=w["otto"])
        for name in ("lea", "leo"):
            cohorts.add_member(session=s, cohort=spring, user=w[name], role=CohortRole.LEARNER)
        w["spring"], w["other"] = spring.id, other.id
        w["lea_a"] = _graded(s, w["lea"], "j-aaa")
        w["leo_a"] = _graded(s, w["leo"], "j-aaa", "fail")
        w["zed_a"] = _graded(s, w["zed"], "j-aaa")
        w["lea_b"] = _graded(s, w["lea"], "e-bbb", "error")
        w["ids"] = {n: w[n].id for n in ("ines", "otto", "root", "lea", "leo", "zed")}
    return w


def _seen(session: Session, sub_id: int) -> list[str]:
    sub = submissions.get_submission(session=session, submission_id=sub_id)
    assert sub is not None
    return [s.comment.body for s in feedback.for_submission(session=session, submission=sub)]


def test_clusters_are_ranked_with_verdicts_and_a_representative(engine: Any, world: dict[str, Any]) -> None:
    with Session(engine) as s:
        found = clusters.clusters(session=s, lesson_id="demo-add")
        assert [(c.key, c.size) for c in found] == [("j-aaa", 3), ("e-bbb", 1)]
        a = found[0]
        assert a.verdicts == {"pass": 2, "fail": 1} and a.verdict == "mixed"
        assert a.representative_id == world["lea_a"] and "j-aaa" in a.normal_form and "x + 1" in a.representative_code
        assert not found[1].traced and found[1].verdict == "error"
        spring = clusters.clusters(session=s, lesson_id="demo-add", user_ids={world["ids"]["lea"], world["ids"]["leo"]})
        assert [(c.key, c.size) for c in spring] == [("j-aaa", 2), ("e-bbb", 1)]
        assert clusters.clusters(session=s, lesson_id="demo-add", scan_limit=1)[0].size == 1
        d = clusters.diff(found[0], found[1])
        assert any(line.startswith("-# j-aaa") for line in d.normal_form)
        assert any(line.startswith("+# e-bbb") for line in d.normal_form)


def test_a_cluster_comment_reaches_present_and_future_members_of_its_cohort(engine: Any, world: dict[str, Any]) -> None:
    with Session(engine) as s:
        ines = s.get(User, world["ids"]["ines"])
        assert ines is not None
        feedback.add_cluster_comment(
            session=s,
            author=ines,
            lesson_id="demo-add",
            cluster_key="j-aaa",
            cluster_version=V,
            body="Nice: use `jnp.sum`.",
            cohort_id=world["spring"],
            max_chars=1000,
        )
        assert _seen(s, world["lea_a"]) == ["Nice: use `jnp.sum`."]
        assert _seen(s, world["leo_a"]) == ["Nice: use `jnp.sum`."]
        assert _seen(s, world["zed_a"]) == []  # not in the cohort
        assert _seen(s, world["lea_b"]) == []  # another cluster
        lea = s.get(User, world["ids"]["lea"])
        assert lea is not None
        later = _graded(s, lea, "j-aaa")
        assert _seen(s, later) == ["Nice: use `jnp.sum`."]  # a future member
        other_version = _graded(s, lea, "j-aaa", version="2-c16")
        assert _seen(s, other_version) == []  # keys of another normal-form version are another cluster
        summary = feedback.for_learner(session=s, user_id=world["ids"]["lea"])
        assert summary.count == 1 and summary.latest_submission_id == later
        assert feedback.for_learner(session=s, user_id=world["ids"]["zed"]).count == 0


def test_who_may_comment_on_clusters(engine: Any, world: dict[str, Any]) -> None:
    with Session(engine) as s:
        by = {n: s.get(User, i) for n, i in world["ids"].items()}

        def add(author: str, cohort_id: int | None, body: str = "hi") -> Any:
            return feedback.add_cluster_comment(
                session=s,
                author=by[author],  # type: ignore[arg-type]
                lesson_id="demo-add",
                cluster_key="j-aaa",
                cluster_version=V,
                body=body,
                cohort_id=cohort_id,
                max_chars=10,
            )

        for author, cohort_id, status in (
            ("otto", world["spring"], 403),
            ("ines", None, 403),
            ("lea", world["spring"], 403),
        ):
            with pytest.raises(feedback.FeedbackError) as err:
                add(author, cohort_id)
            assert err.value.status == status
        with pytest.raises(feedback.FeedbackError, match="empty"):
            add("ines", world["spring"], "   ")
        with pytest.raises(feedback.FeedbackError, match="at most 10"):
            add("ines", world["spring"], "x" * 11)
        add("root", None, "for all")
        assert _seen(s, world["zed_a"]) == ["for all"]  # an admin's comment for everyone reaches zed too


def test_line_comments_edit_and_delete(engine: Any, world: dict[str, Any]) -> None:
    with Session(engine) as s:
        by = {n: s.get(User, i) for n, i in world["ids"].items()}
        lea_a = submissions.get_submission(session=s, submission_id=world["lea_a"])
        zed_a = submissions.get_submission(session=s, submission_id=world["zed_a"])
        assert lea_a is not None and zed_a is not None
        c = feedback.add_line_comment(
            session=s,
            author=by["ines"],
            submission=lea_a,
            line=2,
            body="Why `+ 1`?",
            max_chars=100,  # type: ignore[arg-type]
        )
        assert _seen(s, world["lea_a"]) == ["Why `+ 1`?"] and _seen(s, world["leo_a"]) == []
        for author, sub, line, status in (
            ("otto", lea_a, 1, 403),  # instructs another cohort
            ("ines", zed_a, 1, 403),  # zed is not in her cohort
            ("lea", lea_a, 1, 403),  # learners do not comment
            ("ines", lea_a, 3, 400),  # the code has two lines
        ):
            with pytest.raises(feedback.FeedbackError) as err:
                feedback.add_line_comment(
                    session=s, author=by[author], submission=sub, line=line, body="x", max_chars=100
                )  # type: ignore[arg-type]
            assert err.value.status == status
        feedback.add_line_comment(session=s, author=by["root"], submission=zed_a, line=1, body="ok", max_chars=100)  # type: ignore[arg-type]
        assert c.id is not None
        with pytest.raises(feedback.FeedbackError) as err:
            feedback.edit_comment(session=s, user=by["otto"], comment_id=c.id, body="mine now", max_chars=100)  # type: ignore[arg-type]
        assert err.value.status == 403
        edited = feedback.edit_comment(session=s, user=by["ines"], comment_id=c.id, body="Why **+ 1**?", max_chars=100)  # type: ignore[arg-type]
        assert edited.updated_at is not None and _seen(s, world["lea_a"]) == ["Why **+ 1**?"]
        with pytest.raises(feedback.FeedbackError) as err:
            feedback.delete_comment(session=s, user=by["lea"], comment_id=c.id)  # type: ignore[arg-type]
        assert err.value.status == 403
        feedback.delete_comment(session=s, user=by["root"], comment_id=c.id)  # type: ignore[arg-type]
        assert _seen(s, world["lea_a"]) == []
        with pytest.raises(feedback.FeedbackError) as err:
            feedback.delete_comment(session=s, user=by["root"], comment_id=c.id)  # type: ignore[arg-type]
        assert err.value.status == 404


def test_mark_done_stores_the_cluster_of_the_report(engine: Any, world: dict[str, Any]) -> None:
    with Session(engine) as s:
        sub = submissions.get_submission(session=s, submission_id=world["lea_b"])
        assert sub is not None and (sub.cluster_key, sub.cluster_version) == ("e-bbb", V)
        lea = s.get(User, world["ids"]["lea"])
        assert lea is not None
        plain = submissions.create_submission(session=s, user=lea, lesson_id="demo-add", code="x")
        assert plain.id is not None
        done = submissions.mark_done(session=s, submission_id=plain.id, report={"status": "error", "checks": []})
        assert done is not None and done.cluster_key is None
        assert clusters.clusters(session=s, lesson_id="demo-add")[0].size == 3  # unclustered ones are left out
