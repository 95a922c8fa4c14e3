"""Rasa's prediction graph evaluated directly instead of through dask.

For every message Rasa runs its model graph (NLU pipeline, then each prediction) with
`dask.get`, which orders and schedules about ten tasks through its general local scheduler:
about a tenth of the Rasa server's time per message at 20 visitors (py-spy), for a graph that is
a short chain. Here the same task graph Rasa builds is evaluated depth first, each node once,
with the same arguments dask would pass (a node's output for a node name, the name itself when
nothing provides it, inputs as Rasa adds them). Exceptions propagate unchanged, as dask's
synchronous scheduler re-raises them. Only the prediction graph of a running server uses it
(training keeps dask). Applied from the server's start by components/rasa_patches.py
(performance patch "direct_graph").
"""

from __future__ import annotations

from typing import Any, Dict, Hashable, List, Optional, Text

import rasa.engine.loader
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.runner.interface import GraphRunner

_rasa_load_predict_graph_runner = rasa.engine.loader.load_predict_graph_runner


def evaluate(graph: Dict[Hashable, Any], targets: List[Hashable]) -> List[Any]:
    """`dask.get(graph, targets)` for graphs whose tasks are `(callable, *argument keys)`."""
    results: Dict[Hashable, Any] = {}

    def value(key: Hashable) -> Any:
        if key in results:
            return results[key]
        task = graph[key]
        if isinstance(task, tuple) and task and callable(task[0]):
            arguments = [value(a) if _is_key(a, graph) else a for a in task[1:]]
            result = task[0](*arguments)
        else:
            result = task  # a literal, e.g. an input Rasa added as (name, value)
        results[key] = result
        return result

    return [value(target) for target in targets]


def _is_key(argument: Any, graph: Dict[Hashable, Any]) -> bool:
    try:
        return argument in graph
    except TypeError:  # unhashable: a literal
        return False


class DirectGraphRunner(DaskGraphRunner):
    """DaskGraphRunner whose `run` evaluates the graph with `evaluate`."""

    def run(self, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        minimal_schema = self._graph_schema.minimal_graph_schema(run_targets)
        run_graph = self._build_dask_graph(minimal_schema)
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
        return dict(evaluate(run_graph, run_targets))


def load_predict_graph_runner(storage_path: Any, model_archive_path: Any, model_storage_class: Any,
                              graph_runner_class: type[GraphRunner]) -> Any:
    if graph_runner_class is DaskGraphRunner:
        graph_runner_class = DirectGraphRunner
    return _rasa_load_predict_graph_runner(storage_path, model_archive_path, model_storage_class,
                                           graph_runner_class)


def apply() -> None:
    rasa.engine.loader.load_predict_graph_runner = load_predict_graph_runner
