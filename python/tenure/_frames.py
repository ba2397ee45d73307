"""Tables from the engine as pandas DataFrames.

The engine hands over each column as a NumPy array that owns its buffer; text columns
arrive as integer codes and a short list of levels and become pandas Categoricals. No
Python object is made per row.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd


def frame(columns: Sequence[tuple[str, str, Any, Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for name, kind, values, levels in columns:
        if kind == "text":
            data[name] = pd.Categorical.from_codes(np.asarray(values, dtype=np.int32), categories=pd.Index(levels, dtype=object))
        elif kind == "bool":
            data[name] = np.asarray(values, dtype=np.int64).astype(bool)
        else:
            data[name] = values
    return pd.DataFrame(data, copy=False)
