from . import ir_mail_server
from . import mail_mail
from . import mail_transport_acceptance
