"""Provider hook modules: behaviour a spec cannot state as data. The core never imports
these by name; a spec names its module in `x-mailtwin.hooks`."""
