"""The seed article: the text of the real 2019 page, kept verbatim as the reference case."""

from __future__ import annotations

SEED_ID = "7797504917"
SEED_SLUG = "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine"
SEED_TITLE = "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
SEED_LEAD = (
    "Cette rencontre sera la première entre les présidents nord coréen et russe. Une "
    "potentielle occasion supplémentaire pour avancer sur les négociations concernant le "
    "nucléaire en Corée du Nord."
)
SEED_IMAGE_CAPTION = "Kim Jong-un, l'actuel dirigeant suprême de la Corée du Nord"
SEED_IMAGE_CREDIT = "KCNA VIA KNS / AFP"
SEED_TAGS = ("Rencontre", "Kim Jong-Un", "Corée du Nord")

P, H = "paragraph", "heading"

SEED_BLOCKS: tuple[tuple[str, str], ...] = (
    (P, "Le dirigeant nord-coréen Kim Jong Un a pris, ce mercredi 24 avril, le chemin de la "
        "Sibérie pour participer à son premier sommet avec le président russe Vladimir "
        "Poutine, au moment où Pyongyang cherche à renforcer ses relations avec un allié "
        "historique, en pleine impasse diplomatique avec Washington sur le nucléaire."),
    (P, "Il s'agira pour M. Kim de sa première rencontre avec un chef d'État étranger depuis "
        "son second sommet avec le président américain Donald Trump qui s'est soldé, en "
        "février à Hanoï, par un fiasco retentissant. Ces discussions (qui se tiendront jeudi "
        "à Vladivostok) sont une réponse à de multiples invitations adressées par M. Poutine "
        "depuis que Kim Jong Un a rompu l'an passé avec son isolement diplomatique."),
    (P, "Après des années de montée des tensions en raison des programmes nucléaire et "
        "balistique de Pyongyang, la péninsule coréenne a été en 2018, dans la foulée des "
        "jeux Olympiques d'hiver de Pyeongchang, le théâtre d'une spectaculaire détente."),
    (P, "Depuis mars 2018, M. Kim a rencontré quatre fois le président chinois Xi Jinping, "
        "trois fois le président sud-coréen Moon Jae-in et deux fois M. Trump. Pour les "
        "experts, le leader nord-coréen cherche à obtenir davantage de soutien international "
        "dans son face-à-face diplomatique avec Washington sur le nucléaire."),
    (H, "Le nucléaire toujours en négociation"),
    (P, "À Hanoï, la Corée du Nord avait cherché à obtenir un allègement immédiat des "
        "sanctions internationales décidées pour la contraindre de renoncer à armes "
        "nucléaires et ses programmes de missiles balistiques. Mais les discussions avaient "
        "été écourtées faute d'accord. Un blocage vraisemblablement dû au peu de concessions "
        "que Pyongyang semblait disposé à faire."),
    (P, "Cet échec a jeté un doute sur l'issue du processus diplomatique amorcé il y a un an. "
        "La Corée du Nord a demandé son retrait des négociations sur le nucléaire peu après "
        "avoir revendiqué l'essai d'une nouvelle \"arme tactique guidée\" avec une "
        "\"puissante ogive\"."),
    (P, "De son côté, Moscou a déjà plaidé pour un allègement des sanctions contre Pyongyang. "
        "Washington a de son côté accusé la Russie d'aider le Nord à contourner certaines de "
        "ces mesures punitives, ce que le Kremlin nie."),
    (H, "Rééquilibrage"),
    (P, "Voilà plusieurs décennies que les relations entre la Corée du Nord et la Russie ont "
        "perdu de leur éclat. Certains experts pensent que Kim pourrait chercher une forme de "
        "rééquilibrage entre Pékin et Moscou."),
    (P, "\"Cela fait partie de la doctrine 'Juche', l'idéologie d'autosuffisance du Nord, ne "
        "pas dépendre d'un seul allié\", explique Jeong Young-tae, de l'Institut des études "
        "nord-coréennes de Séoul. \"Pyongyang compte des diplomates en poste depuis des "
        "décennies. Il savent jouer le coup pour monter les alliés de la Corée du Nord les "
        "uns contre les autres.\""),
    (P, "La dernière rencontre à ce niveau remonte à 2011, quand Kim Jong Il, père et "
        "prédécesseur de l'actuel leader, avait affirmé à l'ex-président russe Dmitri "
        "Medvedev qu'il était prêt à renoncer aux essais nucléaires. L'ex-dirigeant "
        "nord-coréen était mort trois mois plus tard. Son fils Kim Jong Un a présidé à quatre "
        "essais nucléaires dont, potentiellement, celui d'une bombe à hydrogène en 2017, et "
        "au lancement de missiles intercontinentaux capables d'atteindre l'ensemble du "
        "territoire continental américain."),
)
