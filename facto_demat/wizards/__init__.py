from . import facto_demat_letter_wizard
