from . import main
from . import response
