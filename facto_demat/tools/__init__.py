from . import pdf
