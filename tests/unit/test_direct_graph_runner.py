"""components/direct_graph_runner.py evaluates Rasa's prediction graph as dask.get would."""

import dask
import pytest

from components.direct_graph_runner import evaluate


def node(name, calls):
    """A graph node as Rasa builds them: called with its parents' (name, output) tuples, or a
    parent's name when nothing provided it; returns (its name, its output)."""
    def run(*parents):
        calls.append(name)
        received = [p if isinstance(p, str) else p[1] for p in parents]
        return name, f"{name}({', '.join(map(str, received))})"
    return run


def graph(calls):
    return {
        "tokenizer": (node("tokenizer", calls), "__message__"),
        "classifier": (node("classifier", calls), "tokenizer"),
        "guard": (node("guard", calls), "classifier", "tokenizer"),  # a diamond: tokenizer once
        "policy": (node("policy", calls), "guard", "__tracker__", "not_provided"),
        "__message__": ("__message__", [{"text": "hi"}]),  # inputs, unhashable values
        "__tracker__": ("__tracker__", {"events": []}),
    }


def minimal(full, targets):
    """Only the targets and what they need, as Rasa's minimal_graph_schema gives the runner."""
    needed, todo = set(), list(targets)
    while todo:
        key = todo.pop()
        if key in full and key not in needed:
            needed.add(key)
            task = full[key]
            if callable(task[0]):
                todo.extend(a for a in task[1:] if isinstance(a, str))
    return {key: task for key, task in full.items() if key in needed}


@pytest.mark.parametrize("targets", [["policy"], ["guard"], ["guard", "policy"], ["tokenizer"]])
def test_results_are_dasks_and_each_node_runs_once(targets):
    ours_calls, dask_calls = [], []
    ours = dict(evaluate(minimal(graph(ours_calls), targets), targets))
    expected = dict(dask.get(minimal(graph(dask_calls), targets), targets))
    assert ours == expected
    assert sorted(ours_calls) == sorted(dask_calls) and len(ours_calls) == len(set(ours_calls))


def test_a_failing_component_raises_its_own_error():
    def broken(*_):
        raise ValueError("component failed")

    with pytest.raises(ValueError, match="component failed"):
        evaluate({"a": (broken,), "b": (lambda a: ("b", a), "a")}, ["b"])


def test_the_rasa_server_loads_its_prediction_graph_with_the_direct_runner(monkeypatch):
    import rasa.engine.loader as loader
    from rasa.engine.runner.dask import DaskGraphRunner

    from components import direct_graph_runner, rasa_patches

    seen = []
    monkeypatch.setattr(direct_graph_runner, "_rasa_load_predict_graph_runner",
                        lambda *arguments: seen.append(arguments[3]) or ("metadata", "runner"))
    with rasa_patches.applied(["direct_graph"]):  # as the Rasa server applies it
        # what rasa.core.processor.MessageProcessor._load_model calls
        assert loader.load_predict_graph_runner("storage", "model.tar.gz", object, DaskGraphRunner) == (
            "metadata", "runner")
    assert seen == [direct_graph_runner.DirectGraphRunner]
