"""End-user copy: what buyers and sellers read about an order, in their language.

``guidance(order, role, now, lang)`` words the model's explanation (``orderflow.explain``) for a
buyer or a seller through gettext catalogs (``locales/<lang>/LC_MESSAGES/orderflow.po``, compiled
to ``.mo`` and shipped in the wheel; English and French). ``page_html``
tells one order's story on a self-contained HTML page for support staff. Amounts and dates are
formatted per locale by Babel (the ``i18n`` extra), imported only when something is formatted.
See docs/guidance.md, which also says how a marketplace adds its language.
"""

from .catalog import Words, languages
from .guidance import Guidance, Item, Section, guidance
from .page import page_html

__all__ = ["Guidance", "Item", "Section", "Words", "guidance", "languages", "page_html"]
