"""The shared kernel: small building blocks every capability and layer may use."""
