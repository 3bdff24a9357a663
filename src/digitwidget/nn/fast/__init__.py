"""How ``predict_proba`` is made fast: inputs checked and converted once, reused buffers,
large batches split over threads, and OpenBLAS's thread count set per call.

None of this changes what the network computes; ``Model.forward`` is the plain version.
"""
