import ADMM
