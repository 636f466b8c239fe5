from . import test_mail_delivery
from . import test_mail_transport
from . import test_server_form
