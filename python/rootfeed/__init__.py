"""rootfeed: ROOT files (TTree, RNTuple) straight into NumPy, awkward and ML training,
without ROOT.

Reading, with uproot's names::

    import rootfeed
    with rootfeed.open("HZZ.root") as f:
        arrays = f["events"].arrays(["NMuon", "Muon_Px"], cut="NMuon >= 2")

Writing (TTree or RNTuple)::

    rootfeed.write("out.root", "events", {"x": x, "mu_pt": ragged}, format="rntuple")

Training (ROOT's loader API, or rootfeed's own)::

    train, val = rootfeed.CreatePyTorchGenerators(rootfeed.RDataFrame("events", files),
                     batch_size=1024, chunk_size=500_000, block_size=10_000, target="label",
                     validation_split=0.2)
    for X, y in train: ...

Errors: FileNotFoundError (no such file), KeyError (no such object or column; the message
names the closest ones), ValueError (a bad argument), rootfeed.FormatError (corrupt or
unsupported data; the message names file, object, column and byte offset).
"""
from ._core import FormatError, version as __version__
from ._reading import (Column, ColumnSchema, File, Ragged, Table, concatenate, iterate, open)
from ._rdf import RDataFrame
from ._writing import Writer, write
from ._ml import (CreateJAXGenerators, CreateNumPyGenerators, CreatePyTorchGenerators,
                  CreateTFDatasets, FormattedLoader, Loader, RDataLoader, ScoreWriter)


class _Namespace:
    """ROOT's namespaces for the loaders, so ``import rootfeed as ROOT`` runs
    ``ROOT.TMVA.Experimental.CreatePyTorchGenerators(...)`` and
    ``ROOT.Experimental.ML.RDataLoader(...)`` unchanged."""

    def __init__(self, name, **members):
        self._name = name
        self.__dict__.update(members)

    def __repr__(self):
        return f"<rootfeed namespace {self._name}>"


_CREATE = dict(CreateNumPyGenerators=CreateNumPyGenerators,
               CreatePyTorchGenerators=CreatePyTorchGenerators, CreateTFDatasets=CreateTFDatasets,
               CreateJAXGenerators=CreateJAXGenerators)
TMVA = _Namespace("TMVA", Experimental=_Namespace("TMVA.Experimental", **_CREATE))
Experimental = _Namespace("Experimental", ML=_Namespace(
    "Experimental.ML", RDataLoader=RDataLoader, FormattedLoader=FormattedLoader, **_CREATE))

__all__ = ["open", "iterate", "concatenate", "File", "Table", "Column", "ColumnSchema",
           "Ragged", "RDataFrame", "Writer", "write", "FormatError", "__version__",
           "CreateNumPyGenerators", "CreatePyTorchGenerators", "CreateTFDatasets",
           "CreateJAXGenerators", "RDataLoader",
           "FormattedLoader", "Loader", "ScoreWriter", "TMVA", "Experimental"]
