"""Random-stream states in `.keras` files and the EMA swap: the one place that reads
Keras' private state.

The noise of a model (its own `SeedGenerator` and those of noise layers inside its
networks) comes from `SeedGenerator` states that Keras neither saves nor restores. A
restored run must draw the noise an uninterrupted one would, so the engine saves them
beside the model's own variables, as `seed_state_0, seed_state_1, ...` in the order of
`model.variables` (the key names of keras_sslgan 0.2.0, whose files still load).
An optimizer with `use_ema=True` keeps the moving averages of the variables it trains
in a private list; `swap_ema_weights` exchanges the two.
"""

from keras import ops


def seed_states(model):
    """The state variables of every `SeedGenerator` of `model` and its layers, in order."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def own_variables(model):
    """The variables Keras' `Layer.save_own_variables` writes for `model`, in its order."""
    return model._trainable_variables + model._non_trainable_variables


def swap_ema_weights(optimizer):
    """Exchanges, exactly, the variables `optimizer` trains and their moving averages
    (`use_ema=True`). Keras' `SwapEMAWeights` swaps by additions, which round."""
    for variable, average in zip(
        optimizer._trainable_variables, optimizer._model_variables_moving_average, strict=True
    ):
        trained = ops.convert_to_numpy(variable)
        variable.assign(average.value)
        average.assign(trained)


def save_seed_states(model, store):
    for i, state in enumerate(seed_states(model)):
        store[f"seed_state_{i}"] = state


def load_own_variables(model, store):
    """Restores what `Layer.save_own_variables` and `save_seed_states` wrote."""
    keys = list(store.keys())
    saved = [k for k in keys if k.startswith("seed_state_")]
    states = seed_states(model)
    if saved and len(saved) != len(states):
        raise ValueError(
            f"The saved model has {len(saved)} random-stream states; this one has "
            f"{len(states)}. Were the networks built differently?"
        )
    for i, state in enumerate(states[: len(saved)]):
        state.assign(store[f"seed_state_{i}"])
    for i, variable in enumerate(own_variables(model)):
        # Files of keras_sslgan 0.2.0 have no own variables; `ema_in_weights` then
        # stays 0: their networks hold the averages, and training goes on from them.
        if f"{i}" in store:
            variable.assign(store[f"{i}"])


def ema_variables(optimizer):
    """The moving averages an optimizer with `use_ema=True` keeps, in the order of the
    variables it trains (`optimizer.build(variables)`)."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    return list(optimizer._model_variables_moving_average)
