from . import facto_demat_document_type
from . import stock_picking
