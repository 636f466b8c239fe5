from . import test_transmit_method
