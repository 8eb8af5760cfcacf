"""The shared kernel: small pieces every capability and layer uses, importing none of them."""
