"""Which runs of a session share their processes (runner/share.py, from the plan: core/plan.py), without starting
any."""

from dlbench_gui.core.config import shareable
from dlbench_gui.core.plan import plan_session
from dlbench_gui.runner.share import Sharing
from tests.conftest import tiny_config

NO_GPU = {"gpu": {"nvidia": []}}  # injected: a machine without a GPU


def places_of(asked, repeat=1):
    plan = plan_session(asked, repeat, NO_GPU)
    s = Sharing(plan)
    return s, [s.place(r.index, r.config.dataset) for r in plan.runs]


def quick(model="model_a", dataset="mnist", **kw):
    return tiny_config(model=model, dataset=dataset, profile="quick", **kw)


def test_a_quick_runs_datasets_of_one_model_share_and_nothing_else_does():
    runs = [quick("model_a", "mnist"), quick("model_a", "fashion_mnist"), quick("model_b", "mnist"),
            quick("model_b", "fashion_mnist")]
    _, places = places_of(runs)
    assert [(p.datasets, p.position) for p in places] == [
        (["mnist", "fashion_mnist"], 0), (["mnist", "fashion_mnist"], 1)] * 2
    assert places[0].group != places[2].group and places[1].last and not places[0].last
    # repeats stay independent: the same dataset again is never shared
    _, places = places_of([quick(), quick(dataset="fashion_mnist")], repeat=2)
    assert [p.datasets for p in places] == [["mnist"], ["mnist"], ["fashion_mnist"], ["fashion_mnist"]]
    # the full and custom profiles, distributed runs and differing settings keep a process each
    assert not shareable(tiny_config(), tiny_config(dataset="fashion_mnist"))
    assert not shareable(quick(cpu_devices=2, devices=2), quick(dataset="fashion_mnist", cpu_devices=2, devices=2))
    assert not shareable(quick(), quick(dataset="fashion_mnist", precision="mixed_bfloat16"))
    # a run not in the session's plan runs alone
    assert not Sharing(plan_session([], 1, NO_GPU)).place(0, "mnist").shared


def test_the_groups_checkpoint_stays_until_its_last_run_and_stays_when_asked_to_keep_it():
    from dlbench_gui.core.store import storage

    for keep in (False, True):
        s, (first, second) = places_of([quick(), quick(dataset="fashion_mnist")])
        a, b = storage.runs_dir() / f"a{keep}", storage.runs_dir() / f"b{keep}"
        for d in (a, b):
            d.mkdir(parents=True)
        (a / "best_model.keras").write_text("the group's model")
        s.checkpoints[first.group] = str(a / "best_model.keras")
        assert s.release(first, a, keep=keep) is False  # the second run may still need it
        assert (a / "best_model.keras").exists()
        s.release(second, b, keep=keep)
        s.close()
        assert (a / "best_model.keras").exists() is keep
