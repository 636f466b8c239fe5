from . import account_move_send_batch_wizard
from . import account_move_send_wizard
from . import facto_demat_anchor_check
from . import facto_demat_letter_wizard
from . import facto_demat_reply_address
from . import mail_compose_message
from . import facto_demat_einvoicing_profile
