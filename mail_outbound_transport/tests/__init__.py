from . import test_mail_delivery
from . import test_mail_transport
