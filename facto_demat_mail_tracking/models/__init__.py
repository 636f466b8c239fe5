from . import res_partner
from . import mail_mail
