from . import facto_demat_document_type
from . import sale_order
