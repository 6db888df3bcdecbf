import Sparse
