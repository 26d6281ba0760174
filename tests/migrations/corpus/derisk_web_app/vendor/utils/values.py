"""Only what revision f2c41f4ff53f imports: ``ProtocolIDs``, copied unchanged from apps/web_app/utils/values.py
of CarmineOptions/derisk-research (commit 159ff43145ab5e5962ae9dd795709fcbed453639, MIT). The rest of that
module (python-dotenv, URLs, validation messages) is left out."""
from enum import Enum


class ProtocolIDs(Enum):
    HASHSTACK: str = "Hashstack"
    NOSTRA_ALPHA: str = "Nostra_alpha"
    NOSTRA_MAINNET: str = "Nostra_mainnet"
    ZKLEND: str = "zkLend"
    VESU: str = "Vesu"
