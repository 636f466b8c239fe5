from . import res_partner
from . import mail_mail
from . import mail_tracking_email
