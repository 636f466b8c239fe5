from . import test_tour
