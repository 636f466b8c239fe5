from . import test_auto_send
