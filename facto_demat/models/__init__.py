from . import facto_demat_event
from . import facto_demat_letter_run
from . import facto_demat_letter_run_line
from . import mail_mail
from . import res_company
from . import res_config_settings
from . import res_partner
