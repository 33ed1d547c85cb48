"""rootfeed: ROOT files (TTree, RNTuple) straight into NumPy, awkward and ML training,
without ROOT.

Reading, with uproot's names::

    import rootfeed
    with rootfeed.open("HZZ.root") as f:
        arrays = f["events"].arrays(["NMuon", "Muon_Px"], cut="NMuon >= 2")

Writing (TTree or RNTuple)::

    rootfeed.write("out.root", "events", {"x": x, "mu_pt": ragged}, format="rntuple")

Errors: FileNotFoundError (no such file), KeyError (no such object or column; the message
names the closest ones), ValueError (a bad argument), rootfeed.FormatError (corrupt or
unsupported data; the message names file, object, column and byte offset).
"""
from ._core import FormatError, version as __version__
from ._reading import (Column, ColumnSchema, File, Ragged, Table, concatenate, iterate, open)
from ._rdf import RDataFrame
from ._writing import Writer, write

__all__ = ["open", "iterate", "concatenate", "File", "Table", "Column", "ColumnSchema",
           "Ragged", "RDataFrame", "Writer", "write", "FormatError", "__version__"]
