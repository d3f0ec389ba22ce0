"""Reader comments: hand-written texts, commenters, and the special (hostile) messages."""

from __future__ import annotations

# (name, has_profile): a commenter without a profile is shown as a plain span.
COMMENTERS: tuple[tuple[str, bool], ...] = (
    ("Jean-Michel D.", True),
    ("Sandrine_69", True),
    ("Marcel B.", False),
    ("Lucie Fontaine", True),
    ("Patrick33", True),
    ("Hélène R.", True),
    ("Gégé du Nord", False),
    ("Yannick L.", True),
    ("Nathalie M.", True),
    ("Citoyen_lambda", True),
    ("Olivier P.", True),
    ("Françoise T.", False),
    ("Bastien_Rennes", True),
    ("Chantal V.", True),
)

# Expected stored texts: "\n" is a <br>, "\n\n" separates paragraphs.
TEXTS: tuple[str, ...] = (
    "Enfin une bonne nouvelle, il était temps !",
    "On nous prend vraiment pour des imbéciles.",
    "Article très clair, merci pour ces explications.",
    "Je ne vois pas ce que ça va changer pour nous au quotidien.",
    "Toujours les mêmes qui paient 😡",
    "Bravo pour cet article équilibré.\nÇa change un peu.",
    "Qui peut encore croire à ces promesses ?",
    "J'étais sur place ce matin, c'était impressionnant.\n\nJamais vu autant de monde.",
    "Il faudrait surtout penser aux jeunes générations.",
    "Très bonne analyse 👍",
    "Encore une annonce sans lendemain, on connaît la chanson.",
    "Et pendant ce temps-là, rien ne bouge dans nos campagnes.",
    "Mon fils est concerné, on attend d'en savoir plus.",
    "Ce n'est pas si simple, il faut lire le texte en entier avant de juger.",
    "Quelle tristesse… 😢",
    "Merci RTL pour l'info, je n'étais pas au courant.",
    "On verra bien dans six mois.\nEn attendant, prudence.",
    "Les journalistes oublient toujours de parler de l'essentiel.",
    "Je suis plutôt d'accord avec cette décision, même si elle arrive tard.",
    "C'est une honte, tout simplement.",
    "Quelqu'un sait si ça s'applique aussi en Belgique ?",
    "Allez les Bleus ! 🇫🇷⚽",
    "Superbe moment, j'en ai encore des frissons.",
    "Rien de nouveau sous le soleil.",
    "Il y a vingt ans on disait déjà la même chose.\n\nRien n'a changé depuis.",
    "Votre titre est un peu trompeur, non ?",
    "Magnifique ! Vivement la suite 😍",
    "Je me demande combien tout cela va coûter au contribuable.",
    "Enfin quelqu'un qui dit les choses clairement.",
    "Pas convaincu par les arguments avancés.",
)

REPLIES: tuple[str, ...] = (
    "Tout à fait d'accord avec vous.",
    "Vous exagérez un peu, relisez l'article.",
    "Pas du tout, c'est l'inverse qui s'est passé.",
    "Merci pour la précision !",
    "Je pense exactement la même chose 👍",
    "Source ?",
)

#: Expected stored text of the hostile comment: escaped markup is shown to readers as
#: characters and must be stored as those characters; the live ``<script>`` and ``<img>``
#: elements of the message carry no reader-visible text and leave nothing behind.
HOSTILE_TEXT = (
    "Test <script>alert(1)</script> et <img src=x onerror=alert(1)>\n\n"
    "'; DROP TABLE comments; --"
)
HOSTILE_HTML = (
    "<p>Test &lt;script&gt;alert(1)&lt;/script&gt; et "
    "&lt;img src=x onerror=alert(1)&gt;</p>"
    "<p>&#39;; DROP TABLE comments; --"
    "<script>alert(1)</script><img src=\"x\" onerror=\"alert(1)\"></p>"
)

#: A comment whose message holds a link, emphasis and an entity (``&amp;``).
LINK_TEXT = (
    "Pour ceux que ça intéresse, le texte complet est ici : le décret.\n"
    "Bonne lecture & bon courage !"
)
LINK_HTML = (
    "<p>Pour ceux que ça intéresse, le texte <em>complet</em> est ici&nbsp;: "
    "<a href=\"/sujet/decret\" rel=\"nofollow ugc\">le décret</a>.<br>"
    "Bonne lecture &amp; <strong>bon courage</strong> !</p>"
)
