from . import test_bounce
