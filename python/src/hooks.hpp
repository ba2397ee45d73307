// Users' own behaviour written in Python: the strategy hooks' bindings (hooks.cpp).
#pragma once

#include <pybind11/pybind11.h>

void bind_hooks(pybind11::module_& m);
