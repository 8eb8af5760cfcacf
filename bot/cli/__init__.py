"""The ``tinbao`` command: one module per group of sub-commands, ``main`` wires them."""
