"""components/startup_gc.py: once Rasa has loaded the model, what is alive then is frozen out of
the garbage collector's full walks (each walk over them stopped the server for about 100 ms)."""

import asyncio
import gc

from components import rasa_patches, startup_gc


def test_the_objects_loaded_at_start_are_frozen_once_the_agent_is_loaded(monkeypatch):
    loaded = {"model": [object() for _ in range(1000)]}

    async def rasa_load_agent_on_start(model_path, endpoints, remote_storage, app, loop):
        return loaded

    monkeypatch.setattr(startup_gc, "_rasa_load_agent_on_start", rasa_load_agent_on_start)
    gc.unfreeze()
    try:
        with rasa_patches.applied(["gc_freeze"]):
            import rasa.core.run
            agent = asyncio.run(rasa.core.run.load_agent_on_start("model.tar.gz", None, None, None, None))
        assert agent is loaded  # Rasa's agent is handed back unchanged
        assert gc.get_freeze_count() >= len(gc.get_referents(loaded["model"]))
        assert not any(item is loaded for item in gc.get_objects(generation=2))  # out of the full walks
    finally:
        gc.unfreeze()


def test_the_patch_is_undone_with_the_others():
    import rasa.core.run
    with rasa_patches.applied(["gc_freeze"]):
        assert rasa.core.run.load_agent_on_start is startup_gc.load_agent_on_start
    assert rasa.core.run.load_agent_on_start is startup_gc._rasa_load_agent_on_start
