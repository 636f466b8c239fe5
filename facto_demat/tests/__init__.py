from . import test_consent
from . import test_controllers
from . import test_document_type
from . import test_evidence
from . import test_letter
from . import test_mail_transport
from . import test_send
from . import test_tour
