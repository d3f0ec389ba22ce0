"""Hand-written French news copy for the sample site (all invented except the seed).

Each brief gives an article's own sentences ("facts"); ``articles.py`` interleaves them with
section sentences from ``SECTION_POOLS`` into 3-8 paragraphs. Facts are specific enough that
no two articles come close to being near-duplicates; only the AFP wire story is served
twice on purpose.
"""

from __future__ import annotations

from typing import Any


def brief(**fields: Any) -> dict[str, Any]:
    """One article brief; missing optional fields get their defaults."""
    defaults: dict[str, Any] = {
        "updated": None,
        "co_credit": None,
        "image": None,
        "json_ld_only": False,
        "truncated": False,
        "twin": None,
        "headings": (),
        "related": (),
        "listing": None,
        "in_sitemap": True,
        "labels": ("fil info",),
    }
    return {**defaults, **fields}


SECTION_POOLS: dict[str, tuple[str, ...]] = {
    "international": (
        "Les chancelleries européennes suivent la situation avec une attention particulière.",
        "Sur place, les correspondants décrivent une atmosphère à la fois tendue et résignée.",
        "Plusieurs diplomates, sous couvert d’anonymat, reconnaissent que rien n’est encore joué.",
        "Le Quai d’Orsay a appelé au calme et à la reprise du dialogue.",
        "Les marchés financiers ont réagi avec prudence à ces annonces.",
        "Les prochaines semaines s’annoncent décisives pour la suite des discussions.",
        "Les organisations humanitaires, elles, réclament un accès sans entrave aux populations.",
        "La presse locale parle déjà d’un tournant pour la région.",
    ),
    "politique": (
        "À l’Assemblée nationale, l’opposition dénonce un passage en force.",
        "Dans l’entourage du chef de l’État, on assure que le calendrier sera tenu.",
        "Les syndicats, reçus à Matignon, attendent désormais des engagements écrits.",
        "Le sujet devrait s’inviter dans les débats des prochaines semaines.",
        "Du côté de la majorité, certains députés ne cachent plus leurs réserves.",
        "Les sondages publiés cette semaine montrent une opinion partagée.",
        "Le Conseil constitutionnel pourrait être saisi dans la foulée.",
        "Les élus locaux, eux, réclament davantage de moyens pour les territoires.",
    ),
    "societe": (
        "Les associations de riverains réclament des réponses rapides des autorités.",
        "Sur les réseaux sociaux, les témoignages se sont multipliés tout au long de la journée.",
        "La préfecture a annoncé la mise en place d’une cellule d’information.",
        "Les pompiers rappellent les consignes de prudence à respecter.",
        "Plusieurs élus ont demandé l’ouverture d’une enquête indépendante.",
        "Les habitants interrogés oscillent entre inquiétude et lassitude.",
        "Un numéro vert a été ouvert pour répondre aux questions du public.",
        "Les spécialistes appellent toutefois à ne pas tirer de conclusions hâtives.",
    ),
    "economie": (
        "Les économistes interrogés restent prudents sur les effets à moyen terme.",
        "À la Bourse de Paris, le CAC 40 a terminé la séance en léger repli.",
        "Bercy assure suivre le dossier de très près.",
        "Les consommateurs pourraient en ressentir les effets dès la fin de l’année.",
        "Les organisations patronales saluent une mesure attendue depuis longtemps.",
        "Les syndicats redoutent de leur côté des conséquences sur l’emploi.",
        "L’Insee publiera de nouveaux chiffres le mois prochain.",
        "Les PME, elles, disent manquer de visibilité pour investir.",
    ),
    "sport": (
        "Le sélectionneur a salué l’état d’esprit de son groupe en conférence de presse.",
        "Les supporters avaient fait le déplacement en nombre pour l’occasion.",
        "Les statistiques de la rencontre confirment une domination nette.",
        "Le prochain rendez-vous est fixé dans moins d’une semaine.",
        "L’infirmerie reste la principale source d’inquiétude du staff.",
        "Les observateurs saluent une progression régulière depuis le début de la saison.",
        "Dans les tribunes, l’ambiance est montée d’un cran en fin de match.",
        "Les réactions d’après-match témoignaient d’une immense fierté.",
    ),
    "culture": (
        "Le public a réservé un accueil chaleureux à l’équipe du film.",
        "Les critiques saluent une œuvre exigeante mais accessible.",
        "Les billets se sont arrachés en quelques heures seulement.",
        "Les libraires notent un engouement inédit depuis plusieurs années.",
        "Le ministère de la Culture a salué une belle réussite.",
        "L’événement sera retransmis en direct à la télévision et à la radio.",
        "Les organisateurs promettent déjà une prochaine édition encore plus ambitieuse.",
        "Les artistes ont multiplié les hommages tout au long de la soirée.",
    ),
}

# Briefs by section; dates are Paris local times in 2019 (y, m, d, h, min).
BRIEFS: tuple[dict[str, Any], ...] = (
    # --- international ----------------------------------------------------------------
    brief(
        id="7796412031", where=("actu", "international"), section_pool="international",
        date=(2019, 1, 21, 18, 12), authors=("Clément Vasseur",),
        title="Brexit : Theresa May présente son plan B devant les députés britanniques",
        lead="Après le rejet massif de son accord de divorce, la Première ministre "
             "britannique a détaillé devant la Chambre des communes les pistes qu’elle "
             "compte défendre à Bruxelles.",
        og_title="Brexit : ce que contient le « plan B » de Theresa May",
        og_description="La Première ministre britannique tente de sauver son accord.",
        tags=("Brexit", "Royaume-Uni", "Theresa May"), labels=("fil info", "Europe"),
        image=("Theresa May devant le 10 Downing Street", "Tolga Akmen / AFP"),
        facts=(
            "Theresa May a pris la parole lundi après-midi devant des députés visiblement "
            "sceptiques, une semaine après le revers historique subi par son texte.",
            "Elle a promis de retourner à Bruxelles pour obtenir des garanties sur le "
            "filet de sécurité irlandais, point le plus contesté de l’accord.",
            "La cheffe du gouvernement a également annoncé la suppression des frais de "
            "dossier de 65 livres imposés aux ressortissants européens.",
            "L’opposition travailliste réclame toujours des élections anticipées et refuse "
            "de se prêter à des discussions tant qu’un « no deal » n’est pas exclu.",
            "Les Vingt-Sept, de leur côté, répètent que l’accord conclu en novembre n’est "
            "pas renégociable.",
            "Un nouveau vote est prévu le 29 janvier sur une série d’amendements.",
        ),
        headings=("Le filet de sécurité irlandais au centre du jeu",),
    ),
    brief(
        id="7797093118", where=("actu", "international"), section_pool="international",
        date=(2019, 3, 1, 16, 40), authors=("Nadia Belkacem",), co_credit="AFP",
        title="Algérie : des dizaines de milliers de manifestants contre un cinquième mandat",
        lead="Pour le deuxième vendredi consécutif, les rues d’Alger et des grandes villes "
             "du pays ont été envahies par des cortèges pacifiques.",
        og_title="Algérie : la rue dit non au cinquième mandat",
        og_description="Nouvelle journée de mobilisation massive en Algérie.",
        tags=("Algérie", "Manifestation"), labels=("fil info", "Maghreb"),
        image=("Des manifestants dans le centre d’Alger", "Ryad Kramdi / AFP"),
        facts=(
            "Drapeaux sur les épaules, des familles entières ont défilé dans le centre "
            "d’Alger en scandant des slogans hostiles au pouvoir.",
            "Les forces de l’ordre ont tenté de bloquer l’accès au palais présidentiel, "
            "sans parvenir à contenir la foule.",
            "La mobilisation a également été très forte à Oran, Constantine et Annaba, "
            "selon des témoins joints par téléphone.",
            "Le chef de l’État, âgé de 82 ans et très affaibli depuis un accident vasculaire "
            "cérébral en 2013, n’apparaît presque plus en public.",
            "Son dossier de candidature doit être déposé dimanche auprès du Conseil "
            "constitutionnel.",
        ),
    ),
    brief(
        id="7797924455", where=("actu", "international"), section_pool="international",
        date=(2019, 6, 13, 9, 5), authors=("La rédaction numérique de RTL",), co_credit="AFP",
        title="Hong Kong : la mobilisation contre le projet de loi d'extradition ne faiblit pas",
        lead="Au lendemain de heurts violents avec la police, les manifestants hongkongais "
             "continuent d’exiger le retrait d’un texte qui permettrait des extraditions "
             "vers la Chine continentale.",
        og_title="Hong Kong : la colère ne retombe pas",
        og_description="Les opposants au texte promettent de nouvelles actions.",
        tags=("Hong Kong", "Chine", "Manifestation"), labels=("fil info", "Asie"),
        image=("Des manifestants près du siège du gouvernement", "Anthony Wallace / AFP"),
        facts=(
            "Des centaines de jeunes manifestants occupaient encore jeudi matin les abords "
            "du Conseil législatif, où l’examen du texte a été reporté.",
            "La cheffe de l’exécutif local, Carrie Lam, a qualifié les incidents de la "
            "veille d’« émeutes organisées », provoquant la colère des organisateurs.",
            "La police a fait usage de gaz lacrymogène et de balles en caoutchouc, une "
            "première depuis le mouvement des parapluies de 2014.",
            "Les milieux d’affaires s’inquiètent à leur tour des conséquences du projet sur "
            "l’attractivité de la place financière.",
            "Un nouveau grand rassemblement est prévu dimanche.",
        ),
        twin=(("actu", "monde"),
              "hong-kong-les-manifestants-toujours-mobilises-contre-la-loi-d-extradition"),
    ),
    brief(
        id="7798010327", where=("actu", "international"), section_pool="international",
        date=(2019, 7, 24, 13, 30), updated=(2019, 7, 24, 19, 5),
        authors=("Clément Vasseur", "Pauline Méric"),
        title="Boris Johnson prend ses fonctions de Premier ministre au Royaume-Uni",
        lead="Reçu par la reine Elizabeth II, l’ancien maire de Londres a promis de mener à "
             "bien le Brexit d’ici au 31 octobre, « quoi qu’il arrive ».",
        og_title="Boris Johnson à Downing Street : « Nous allons réaliser le Brexit »",
        og_description="Le nouveau locataire de Downing Street a prononcé son premier "
                       "discours.",
        tags=("Boris Johnson", "Royaume-Uni", "Brexit"), labels=("fil info", "Europe"),
        image=("Boris Johnson sur le perron du 10 Downing Street", "Ben Stansall / AFP"),
        facts=(
            "Boris Johnson a été officiellement nommé mercredi par la souveraine, quelques "
            "minutes après la démission de Theresa May.",
            "Dans un discours offensif prononcé devant sa nouvelle résidence, il a assuré "
            "que les « sceptiques » et les « pessimistes » allaient se tromper.",
            "Le nouveau chef du gouvernement a commencé dans la soirée à former une équipe "
            "largement renouvelée, acquise à une sortie rapide de l’Union européenne.",
            "Plusieurs ministres de l’ancien cabinet avaient annoncé leur départ avant même "
            "sa nomination.",
            "À Bruxelles, on se dit prêt à travailler avec lui, tout en excluant de rouvrir "
            "l’accord de retrait.",
        ),
        headings=("Un gouvernement remanié dans la soirée",),
    ),
    brief(
        id="7799321875", where=("actu", "international"), section_pool="international",
        date=(2019, 11, 9, 8, 35), authors=("Antoine Guérin",),
        title="Il y a trente ans, la chute du mur de Berlin",
        lead="Le 9 novembre 1989, des milliers d’Allemands de l’Est franchissaient les "
             "points de passage de Berlin. Trente ans plus tard, la capitale allemande "
             "célèbre cet anniversaire.",
        og_title="30 ans de la chute du Mur : Berlin fait la fête",
        og_description="Concerts, expositions et commémorations dans toute la ville.",
        tags=("Allemagne", "Histoire"), labels=("fil info", "Commémoration"),
        image=("La porte de Brandebourg illuminée", "John MacDougall / AFP"),
        facts=(
            "Tout au long du week-end, Berlin accueille plus de 200 événements consacrés à "
            "la révolution pacifique de 1989.",
            "Une installation de 30.000 messages suspendus au-dessus de la porte de "
            "Brandebourg rappelle les espoirs de l’époque.",
            "La chancelière Angela Merkel, qui a grandi en RDA, doit participer à une "
            "cérémonie au mémorial de la Bernauer Strasse.",
            "Les historiens rappellent que l’ouverture du Mur fut en partie le fruit d’un "
            "malentendu lors d’une conférence de presse.",
            "Des écarts économiques importants subsistent toutefois entre l’est et l’ouest "
            "du pays.",
            "Les sondages montrent qu’une partie des habitants des anciens Länder de l’Est "
            "se sentent encore citoyens de seconde zone.",
        ),
        headings=("Une réunification encore inachevée",),
    ),
    # --- politique --------------------------------------------------------------------
    brief(
        id="7796363510", where=("actu", "politique"), section_pool="politique",
        date=(2019, 1, 15, 17, 45), authors=("Hugo Marchetti",),
        title="Grand débat national : Emmanuel Macron lance la consultation dans l'Eure",
        lead="Devant quelque 600 maires normands réunis à Grand Bourgtheroulde, le chef de "
             "l’État a donné le coup d’envoi de deux mois de débats partout en France.",
        og_title="Grand débat : Macron face aux maires pendant près de sept heures",
        og_description="Le président a répondu aux questions des élus locaux.",
        tags=("Grand débat national", "Emmanuel Macron"), labels=("fil info", "Gilets jaunes"),
        image=("Emmanuel Macron face aux maires à Grand Bourgtheroulde",
               "Ludovic Marin / AFP"),
        facts=(
            "Emmanuel Macron a débattu pendant près de sept heures avec les maires, en bras "
            "de chemise, dans un gymnase placé sous haute surveillance.",
            "Les élus ont évoqué pêle-mêle la fermeture des services publics, la limitation "
            "de vitesse à 80 km/h et le poids des normes.",
            "Le président s’est dit ouvert à des aménagements sur la vitesse, sans prendre "
            "d’engagement ferme.",
            "Quatre thèmes structurent la consultation : la fiscalité, la transition "
            "écologique, la démocratie et l’organisation de l’État.",
            "Plusieurs centaines de manifestants se sont rassemblés à l’écart du gymnase.",
        ),
    ),
    brief(
        id="7796760042", where=("actu", "politique"), section_pool="politique",
        date=(2019, 2, 12, 7, 20), authors=("Sophie Delaunay",),
        title="Européennes 2019 : les listes se dessinent à gauche comme à droite",
        lead="À un peu plus de trois mois du scrutin, les partis peaufinent leurs listes et "
             "cherchent encore leurs têtes d’affiche.",
        og_title="Européennes : qui mènera les listes le 26 mai ?",
        og_description="Tour d’horizon des candidatures déjà connues.",
        tags=("Élections européennes", "Partis politiques"), labels=("fil info",),
        image=("Le Parlement européen à Strasbourg", "Frederick Florin / AFP"),
        facts=(
            "La République en marche n’a toujours pas désigné sa tête de liste, même si "
            "plusieurs noms circulent avec insistance.",
            "Les Républicains ont misé sur un jeune professeur de philosophie, un choix qui "
            "divise en interne.",
            "À gauche, l’union espérée par certains semble s’éloigner, chaque formation "
            "préférant mesurer son propre poids.",
            "Les écologistes espèrent profiter de la mobilisation des jeunes pour le climat.",
            "Le scrutin se déroulera à la proportionnelle sur une circonscription nationale "
            "unique.",
        ),
    ),
    brief(
        id="7797512260", where=("actu", "politique"), section_pool="politique",
        date=(2019, 4, 25, 20, 15), authors=("Hugo Marchetti", "Sophie Delaunay"),
        title="Conférence de presse d'Emmanuel Macron : ce qu'il faut retenir",
        lead="Baisse de l’impôt sur le revenu, réindexation des petites retraites, "
             "suppression de l’ENA : le chef de l’État a présenté ses réponses au grand "
             "débat.",
        og_title="Impôts, retraites, ENA : les annonces de Macron",
        og_description="Les principales mesures annoncées à l’Élysée.",
        tags=("Emmanuel Macron", "Grand débat national"), labels=("fil info", "RTL Soir"),
        image=("Emmanuel Macron lors de sa conférence de presse à l’Élysée",
               "Ludovic Marin / AFP"),
        facts=(
            "Pour sa première conférence de presse depuis son élection, Emmanuel Macron a "
            "répondu pendant plus de deux heures aux questions des journalistes.",
            "Il a annoncé une baisse de l’impôt sur le revenu d’environ 5 milliards "
            "d’euros, ciblée sur les classes moyennes.",
            "Les pensions de moins de 2.000 euros seront de nouveau indexées sur "
            "l’inflation à partir de 2020.",
            "Le président a confirmé la suppression de l’École nationale "
            "d’administration, symbole selon lui d’une haute fonction publique trop "
            "fermée.",
            "Il a en revanche écarté le rétablissement de l’impôt sur la fortune.",
            "L’opposition a dénoncé des annonces « floues » et « sans financement ».",
        ),
        headings=("Pas de retour de l’ISF",),
    ),
    brief(
        id="7797780113", where=("actu", "politique"), section_pool="politique",
        date=(2019, 5, 26, 22, 10), updated=(2019, 5, 27, 7, 45),
        authors=("Sophie Delaunay",),
        title="Européennes : le Rassemblement national arrive en tête devant La République "
              "en marche",
        lead="La liste menée par Jordan Bardella devance d’une courte tête celle de Nathalie "
             "Loiseau, tandis que les écologistes créent la surprise.",
        og_title="Européennes 2019 : le RN en tête, percée des Verts",
        og_description="Les résultats complets du scrutin européen en France.",
        tags=("Élections européennes", "Rassemblement national"),
        labels=("fil info", "Résultats"),
        image=("Des bulletins de vote dans un bureau parisien", "Bertrand Guay / AFP"),
        facts=(
            "Selon les résultats définitifs publiés lundi matin, le Rassemblement national "
            "obtient 23,3 % des suffrages.",
            "La liste soutenue par la majorité présidentielle recueille 22,4 % des voix.",
            "Avec plus de 13 %, Europe Écologie-Les Verts réalise son meilleur score depuis "
            "dix ans et se place en troisième position.",
            "Les Républicains subissent un revers historique, sous la barre des 9 %.",
            "La participation, en nette hausse, dépasse les 50 %.",
        ),
        headings=("La percée des écologistes",),
    ),
    brief(
        id="7798512006", where=("actu", "politique"), section_pool="politique",
        date=(2019, 9, 12, 11, 0), authors=("Karim Haddou",),
        title="Réforme des retraites : le gouvernement ouvre une nouvelle phase de "
              "concertation",
        lead="Édouard Philippe a présenté aux partenaires sociaux le calendrier d’une "
             "réforme qui doit instaurer un système universel par points.",
        og_title="Retraites : Édouard Philippe joue la montre",
        og_description="Le Premier ministre promet une concertation jusqu’à la fin de "
                       "l’année.",
        tags=("Réforme des retraites", "Édouard Philippe"), labels=("fil info",),
        image=("Édouard Philippe devant le Conseil économique, social et environnemental",
               "Eric Feferberg / AFP"),
        facts=(
            "Devant le Conseil économique, social et environnemental, le Premier ministre "
            "a exposé la méthode du gouvernement.",
            "La disparition des 42 régimes spéciaux reste l’objectif, mais sa mise en "
            "œuvre pourrait être étalée.",
            "Les syndicats de la RATP ont déjà prévu de faire grève dès vendredi.",
            "Le haut-commissaire Jean-Paul Delevoye doit recevoir chaque organisation dans "
            "les prochaines semaines.",
            "Le projet de loi ne serait pas présenté avant l’année prochaine.",
        ),
    ),
    brief(
        id="7799594410", where=("actu", "politique"), section_pool="politique",
        date=(2019, 12, 5, 6, 30), authors=("Karim Haddou", "Amandine Lefort"),
        title="Grève du 5 décembre : une mobilisation massive contre la réforme des "
              "retraites",
        lead="Trains supprimés, métros fermés, écoles perturbées : la journée de grève "
             "interprofessionnelle a paralysé une bonne partie du pays.",
        og_title="Grève du 5 décembre : la France au ralenti",
        og_description="Suivez la journée de mobilisation contre la réforme.",
        tags=("Grève", "Réforme des retraites", "Transports"),
        labels=("fil info", "RTL Matin"),
        image=("Un quai de la gare de Lyon désert", "Thomas Samson / AFP"),
        facts=(
            "Neuf TGV sur dix ont été annulés jeudi, et onze lignes de métro sur seize "
            "sont restées fermées à Paris.",
            "Selon le ministère de l’Intérieur, plus de 800.000 personnes ont manifesté "
            "dans toute la France, la CGT en revendique 1,5 million.",
            "Dans l’Éducation nationale, près de la moitié des enseignants du primaire "
            "étaient en grève.",
            "Des heurts ont éclaté en marge du cortège parisien, entre la gare de l’Est et "
            "la place de la Nation.",
            "Les syndicats ont appelé à reconduire le mouvement dès vendredi.",
            "Le gouvernement doit dévoiler les arbitrages de la réforme la semaine "
            "prochaine.",
        ),
        headings=("Des transports quasiment à l’arrêt", "Et maintenant ?"),
    ),
    # --- societe ----------------------------------------------------------------------
    brief(
        id="7797494862", where=("actu", "futur"), listing="societe", section_pool="societe",
        date=(2019, 4, 18, 15, 20), authors=("Élodie Chassagne",),
        title="Nice : une appli de rencontre pour passer le temps dans les bouchons",
        lead="Une start-up niçoise propose de mettre en relation les automobilistes coincés "
             "dans les embouteillages de la Côte d’Azur.",
        og_title="Coincé dans les bouchons ? Une appli pour faire des rencontres",
        og_description="L’idée insolite d’une start-up de Nice.",
        tags=("Connecté", "Applications"), labels=("fil info", "Insolite"),
        image=("Un embouteillage sur la promenade des Anglais", "Valery Hache / AFP"),
        facts=(
            "L’application repère les utilisateurs roulant au pas à moins de 200 mètres "
            "les uns des autres.",
            "Ses fondateurs assurent que l’outil ne fonctionne qu’à l’arrêt complet, pour "
            "ne pas distraire les conducteurs.",
            "La sécurité routière rappelle néanmoins que l’usage du téléphone au volant "
            "reste interdit, même dans un bouchon.",
            "Plus de 3.000 personnes auraient déjà téléchargé l’application depuis son "
            "lancement en mars.",
        ),
    ),
    brief(
        id="7797461230", where=("actu", "societe"), section_pool="societe",
        date=(2019, 4, 16, 8, 10), updated=(2019, 4, 16, 12, 40),
        authors=("Julien Roux-Ferrand",),
        title="Incendie de Notre-Dame de Paris : la structure de la cathédrale a été sauvée",
        lead="Après une nuit de lutte acharnée, les pompiers ont annoncé que l’édifice "
             "était sauvé, même si la charpente et la flèche ont été détruites.",
        og_title="Notre-Dame : « la structure est sauvée », selon les pompiers",
        og_description="Le point sur les dégâts au lendemain de l’incendie.",
        tags=("Notre-Dame de Paris", "Incendie"), labels=("fil info", "Patrimoine"),
        image=("La cathédrale Notre-Dame au lendemain de l’incendie", "Geoffroy Van Der "
               "Hasselt / AFP"),
        facts=(
            "Près de 400 pompiers ont été mobilisés toute la nuit pour circonscrire les "
            "flammes, qui ont ravagé la toiture de la cathédrale.",
            "Les deux tours et la façade principale ont pu être préservées, tout comme une "
            "grande partie des œuvres.",
            "La couronne d’épines et la tunique de Saint Louis ont été mises à l’abri dès "
            "lundi soir.",
            "Le parquet de Paris a ouvert une enquête pour « destruction involontaire par "
            "incendie ».",
            "Plusieurs grandes fortunes ont annoncé des dons de plusieurs centaines de "
            "millions d’euros pour la reconstruction.",
            "Le chef de l’État a promis de rebâtir la cathédrale « d’ici cinq années ».",
        ),
        headings=("Des dons par centaines de millions",),
    ),
    brief(
        id="7797871250", where=("actu", "societe"), section_pool="societe",
        date=(2019, 6, 25, 10, 0), authors=("Amandine Lefort",),
        title="Canicule : le pic de chaleur attendu jeudi et vendredi",
        lead="Météo-France prévoit des températures dépassant localement 40 °C dans le sud "
             "du pays, du jamais vu pour un mois de juin.",
        og_title="Canicule : jusqu’à 40 °C attendus cette semaine",
        og_description="Les conseils pour affronter la vague de chaleur.",
        tags=("Canicule", "Météo"), labels=("fil info", "Santé"),
        image=("Des promeneurs se rafraîchissent au Trocadéro", "Zakaria Abdelkafi / AFP"),
        facts=(
            "Quatre-vingts départements ont été placés en vigilance orange canicule mardi.",
            "Le ministère de l’Éducation a décidé de reporter les épreuves du brevet des "
            "collèges, une première.",
            "Les maisons de retraite ont activé leurs plans bleus pour protéger les "
            "résidents les plus fragiles.",
            "Les autorités recommandent de boire régulièrement et d’éviter les efforts aux "
            "heures les plus chaudes.",
            "À Paris, les parcs et jardins resteront ouverts toute la nuit.",
        ),
    ),
    brief(
        id="7798660130", where=("actu", "societe"), section_pool="societe",
        date=(2019, 9, 26, 19, 25), authors=("Julien Roux-Ferrand",), co_credit="AFP",
        title="Incendie de l'usine Lubrizol à Rouen : les habitants inquiets",
        lead="Un gigantesque panache de fumée noire s’est élevé au-dessus de la ville. Les "
             "autorités assurent qu’il n’y a pas de toxicité aiguë.",
        og_title="Rouen : après l’incendie, les questions des habitants",
        og_description="Écoles fermées et récoltes suspendues autour de Rouen.",
        tags=("Rouen", "Incendie", "Pollution"), labels=("fil info",),
        image=("Le panache de fumée au-dessus de Rouen", "Lou Benoist / AFP"),
        facts=(
            "L’incendie s’est déclaré dans la nuit de mercredi à jeudi sur le site classé "
            "Seveso seuil haut, en bord de Seine.",
            "Les écoles de douze communes ont été fermées par précaution.",
            "Des dépôts de suie ont été constatés jusqu’à plusieurs dizaines de kilomètres "
            "de l’usine.",
            "La préfecture a suspendu les récoltes et la collecte de lait dans les zones "
            "concernées.",
            "De nombreux habitants se plaignent d’une forte odeur et de maux de tête.",
        ),
    ),
    brief(
        id="7798367741", where=("actu", "societe"), section_pool="societe",
        date=(2019, 8, 30, 7, 0), authors=("Pauline Méric",), image=None,
        title="Rentrée scolaire : ce qui change pour les élèves et les parents",
        lead="Instruction obligatoire dès trois ans, nouveau baccalauréat, interdiction du "
             "téléphone : tour d’horizon des nouveautés de la rentrée 2019.",
        og_title="Rentrée 2019 : toutes les nouveautés",
        og_description="Ce qui change à l’école cette année.",
        tags=("Éducation", "Rentrée scolaire"), labels=("fil info", "Famille"),
        facts=(
            "Quelque 12,4 millions d’élèves reprennent le chemin de l’école lundi.",
            "L’instruction devient obligatoire dès l’âge de trois ans, contre six ans "
            "jusqu’ici.",
            "Les élèves de première inaugurent le nouveau lycée, sans séries mais avec des "
            "spécialités.",
            "Le dédoublement des classes de CP et de CE1 se poursuit dans les quartiers "
            "prioritaires.",
            "L’allocation de rentrée scolaire a été versée le 20 août aux familles "
            "concernées.",
        ),
        headings=("Un nouveau lycée",),
    ),
    brief(
        id="7799210050", where=("actu", "societe"), section_pool="societe",
        date=(2019, 10, 28, 9, 15), authors=("Élodie Chassagne",),
        title="Heure d'hiver : pourquoi la France n'a pas encore renoncé au changement "
              "d'heure",
        lead="Les horloges ont reculé d’une heure dans la nuit de samedi à dimanche. La "
             "fin du changement d’heure, votée à Strasbourg, se fait attendre.",
        og_title="Changement d’heure : la fin n’est pas pour tout de suite",
        og_description="Le dossier est bloqué au niveau européen.",
        tags=("Changement d'heure", "Union européenne"), labels=("fil info", "Vie pratique"),
        image=("Une horloge de la gare Saint-Lazare", "Martin Bureau / AFP"),
        facts=(
            "Le Parlement européen s’est prononcé en mars pour la fin des changements "
            "d’heure saisonniers à partir de 2021.",
            "Mais les États membres ne sont toujours pas parvenus à s’entendre sur l’heure "
            "à conserver.",
            "En France, une consultation en ligne avait recueilli plus de deux millions de "
            "réponses, majoritairement favorables à l’heure d’été.",
            "Les chronobiologistes plaident au contraire pour l’heure d’hiver, plus proche "
            "de l’heure solaire.",
        ),
    ),
    # --- economie ---------------------------------------------------------------------
    brief(
        id="7796700412", where=("actu", "economie"), section_pool="economie",
        date=(2019, 2, 5, 12, 5), authors=("Antoine Guérin",),
        title="Carburants : les prix à la pompe repartent à la hausse",
        lead="Après plusieurs semaines de baisse, le gazole et l’essence renchérissent de "
             "nouveau, dans le sillage des cours du pétrole.",
        og_title="Essence, gazole : le plein coûte à nouveau plus cher",
        og_description="Les prix des carburants remontent depuis la mi-janvier.",
        tags=("Carburants", "Pouvoir d'achat"), labels=("fil info", "Consommation"),
        image=("Une station-service à Lille", "Philippe Huguen / AFP"),
        facts=(
            "Le litre de gazole s’affiche en moyenne à 1,43 euro, soit trois centimes de "
            "plus qu’il y a deux semaines.",
            "Le sans-plomb 95 suit la même tendance, à 1,46 euro le litre.",
            "Cette remontée s’explique par la hausse du baril de Brent, repassé au-dessus "
            "de 60 dollars.",
            "Les distributeurs indépendants assurent rogner sur leurs marges pour limiter "
            "la hausse.",
        ),
    ),
    brief(
        id="7797260311", where=("actu", "economie"), section_pool="economie",
        date=(2019, 3, 28, 14, 50), authors=("Nadia Belkacem",), in_sitemap=False,
        title="Renault : Jean-Dominique Senard veut relancer l'alliance avec Nissan",
        lead="Le nouveau président du constructeur au losange mise sur une gouvernance "
             "apaisée pour tourner la page de l’ère Ghosn.",
        og_title="Renault-Nissan : Senard veut apaiser l’alliance",
        og_description="Une nouvelle instance de pilotage voit le jour.",
        tags=("Renault", "Automobile"), labels=("fil info", "Industrie"),
        image=("Jean-Dominique Senard au siège de Renault", "Eric Piermont / AFP"),
        facts=(
            "Une nouvelle instance commune, présidée par Jean-Dominique Senard, remplace "
            "l’ancienne structure de direction de l’alliance.",
            "Les trois partenaires, Renault, Nissan et Mitsubishi, y disposent chacun d’une "
            "voix.",
            "Le japonais réclame depuis longtemps un rééquilibrage des participations "
            "croisées.",
            "L’État français, actionnaire de Renault à hauteur de 15 %, suit les "
            "discussions de près.",
        ),
    ),
    brief(
        id="7797712018", where=("actu", "economie"), section_pool="economie",
        date=(2019, 5, 20, 18, 30), authors=("Hugo Marchetti",),
        title="Smartphones : Huawei dans la tourmente après les sanctions américaines",
        lead="Google a suspendu une partie de ses relations avec le géant chinois, privant "
             "ses futurs téléphones de services essentiels.",
        og_title="Huawei privé d’Android ? Ce qui change pour vous",
        og_description="Les utilisateurs de téléphones Huawei s’interrogent.",
        tags=("Huawei", "Google", "Téléphonie"), labels=("fil info", "High-tech"),
        image=("Un magasin Huawei à Pékin", "Fred Dufour / AFP"),
        facts=(
            "Washington a placé Huawei sur une liste noire d’entreprises jugées menaçantes "
            "pour la sécurité nationale.",
            "Google a annoncé qu’il cesserait de fournir certaines mises à jour d’Android "
            "aux nouveaux modèles de la marque.",
            "Les téléphones déjà vendus continueront de fonctionner normalement, assure le "
            "groupe américain.",
            "Selon une note du cabinet Ernst & Young, le marché européen pourrait être "
            "rapidement rebattu.",
            "Huawei est devenu l’an dernier le deuxième vendeur mondial de smartphones.",
        ),
    ),
    brief(
        id="7797981542", where=("actu", "economie"), section_pool="economie",
        date=(2019, 7, 11, 16, 15), authors=("Karim Haddou",),
        title="Taxe GAFA : le Parlement adopte définitivement la taxe sur les géants du "
              "numérique",
        lead="La France devient l’un des premiers pays à taxer le chiffre d’affaires des "
             "grandes entreprises du numérique, au grand dam de Washington.",
        og_title="Taxe GAFA : la France fait cavalier seul",
        og_description="Les États-Unis menacent de représailles commerciales.",
        tags=("Taxe GAFA", "Numérique", "Fiscalité"), labels=("fil info",),
        image=("Le ministre de l’Économie au Sénat", "Bertrand Guay / AFP"),
        facts=(
            "Le texte instaure une taxe de 3 % sur le chiffre d’affaires réalisé en France "
            "par les entreprises du secteur.",
            "Seuls les groupes dont les revenus numériques dépassent 750 millions d’euros "
            "dans le monde sont concernés.",
            "Le produit attendu est d’environ 400 millions d’euros dès cette année.",
            "L’administration américaine a ouvert une enquête qui pourrait déboucher sur "
            "des sanctions.",
            "Paris assure que la taxe disparaîtra dès qu’un accord sera trouvé à l’OCDE.",
        ),
    ),
    brief(
        id="7798631200", where=("actu", "economie"), section_pool="economie",
        date=(2019, 9, 23, 8, 45), authors=("Antoine Guérin",), co_credit="AFP",
        title="Thomas Cook : la faillite du voyagiste laisse des milliers de vacanciers "
              "bloqués",
        lead="Le plus ancien voyagiste du monde a été placé en liquidation. Des centaines "
             "de milliers de clients doivent être rapatriés.",
        og_title="Faillite de Thomas Cook : que faire si vous aviez réservé ?",
        og_description="Les démarches à suivre pour les clients français.",
        tags=("Thomas Cook", "Tourisme"), labels=("fil info", "Consommation"),
        image=("Des voyageurs à l’aéroport de Palma de Majorque", "Jaime Reina / AFP"),
        facts=(
            "Faute d’avoir trouvé un accord avec ses créanciers, le groupe britannique a "
            "cessé ses activités dans la nuit.",
            "Quelque 600.000 voyageurs se trouvaient à l’étranger au moment de l’annonce.",
            "Londres a lancé la plus grande opération de rapatriement en temps de paix.",
            "En France, la filiale compte environ 10.000 clients actuellement en voyage.",
        ),
    ),
    brief(
        id="7799689024", where=("actu", "economie"), section_pool="economie",
        date=(2019, 12, 17, 11, 40), authors=("Nadia Belkacem",),
        title="Noël : les commerçants redoutent l'effet des grèves sur leurs ventes",
        lead="À une semaine des fêtes, la fréquentation des magasins parisiens reste en "
             "net recul, selon les fédérations du commerce.",
        og_title="Grèves : les commerçants craignent un Noël gâché",
        og_description="La fréquentation des centres-villes s’effondre.",
        tags=("Commerce", "Grève", "Noël"), labels=("fil info",),
        image=("Une rue commerçante de Paris décorée pour Noël", "Ludovic Marin / AFP"),
        facts=(
            "Dans la capitale, la fréquentation des grands magasins a chuté d’environ 30 % "
            "depuis le début du mouvement.",
            "Les restaurateurs font état de nombreuses annulations de repas de fin "
            "d’année.",
            "Le gouvernement a promis d’étudier des reports de charges pour les "
            "commerces les plus touchés.",
            "Les ventes en ligne, elles, progressent fortement.",
        ),
    ),
    # --- sport ------------------------------------------------------------------------
    brief(
        id="7797481530", where=("actu", "sport"), section_pool="sport",
        date=(2019, 4, 21, 23, 5), authors=("Loïc Bertrand",),
        title="Ligue 1 : le PSG sacré champion de France pour la huitième fois",
        lead="Grâce au match nul de Lille à Toulouse, le club de la capitale est assuré du "
             "titre sans même avoir eu à jouer.",
        og_title="Le PSG champion de France, sans jouer",
        og_description="Huitième titre de champion pour le club parisien.",
        tags=("PSG", "Ligue 1"), labels=("fil info", "Football"),
        image=("Les joueurs du PSG célèbrent le titre au Parc des Princes",
               "Franck Fife / AFP"),
        facts=(
            "Le nul concédé par Lille à Toulouse dimanche a offert le titre au Paris "
            "Saint-Germain.",
            "Les Parisiens ont célébré leur sacre le soir même, après leur large victoire "
            "face à Monaco.",
            "Kylian Mbappé a inscrit un triplé et porte son total à 30 buts en "
            "championnat.",
            "Ce titre ne masque pas la déception de l’élimination en Ligue des champions.",
        ),
    ),
    brief(
        id="7797856301", where=("sport", "football"), listing="sport", section_pool="sport",
        date=(2019, 6, 7, 23, 15), authors=("Loïc Bertrand",),
        title="Coupe du monde féminine : les Bleues lancent leur Mondial face à la Corée "
              "du Sud",
        lead="Devant un Parc des Princes à guichets fermés, l’équipe de France s’est "
             "imposée 4-0 en match d’ouverture.",
        og_title="Mondial féminin : démonstration des Bleues en ouverture",
        og_description="Large victoire des Françaises pour lancer la compétition.",
        tags=("Coupe du monde féminine", "Équipe de France"), labels=("fil info", "Football"),
        image=("Eugénie Le Sommer après son but", "Franck Fife / AFP"),
        facts=(
            "Eugénie Le Sommer a ouvert le score dès la neuvième minute d’une frappe "
            "croisée.",
            "La capitaine Amandine Henry a conclu la soirée par un doublé.",
            "Plus de 45.000 spectateurs ont assisté à la rencontre, un record pour un match "
            "de l’équipe de France féminine.",
            "Les joueuses de Corinne Diacre affronteront la Norvège mercredi à Nice.",
        ),
        headings=("Un record d’affluence",),
    ),
    brief(
        id="7798001243", where=("sport", "cyclisme"), listing="sport", section_pool="sport",
        date=(2019, 7, 19, 17, 55), authors=("Loïc Bertrand", "Pauline Méric"),
        title="Tour de France : Julian Alaphilippe remporte le contre-la-montre de Pau",
        lead="Le maillot jaune a dominé l’exercice chronométré et conforte sa place en tête "
             "du classement général.",
        og_title="Alaphilippe, le maillot jaune vole à Pau",
        og_description="Le Français creuse l’écart sur ses rivaux.",
        tags=("Tour de France", "Julian Alaphilippe", "Cyclisme"), labels=("fil info",),
        image=("Julian Alaphilippe lors du contre-la-montre", "Marco Bertorello / AFP"),
        facts=(
            "Sur les 27 kilomètres du parcours, Julian Alaphilippe a devancé le vainqueur "
            "sortant de l’épreuve de quatorze secondes.",
            "Le coureur français compte désormais plus d’une minute d’avance sur son "
            "premier poursuivant.",
            "Thibaut Pinot a réalisé une belle performance et remonte au classement.",
            "Les Pyrénées offriront dès samedi un nouveau test avec l’arrivée au sommet du "
            "Tourmalet.",
        ),
    ),
    brief(
        id="7799160021", where=("sport", "rugby"), listing="sport", section_pool="sport",
        date=(2019, 10, 20, 11, 50), authors=("Hugo Marchetti",), in_sitemap=False,
        title="Coupe du monde de rugby : le XV de France éliminé par le pays de Galles",
        lead="Réduits à quatorze après l’expulsion de Sébastien Vahaamahina, les Bleus se "
             "sont inclinés d’un point en quart de finale.",
        og_title="Rugby : les Bleus éliminés d’un souffle",
        og_description="Les regrets des Français après leur quart de finale.",
        tags=("Coupe du monde de rugby", "XV de France"), labels=("fil info", "Rugby"),
        image=("Les joueurs français après la défaite à Oita", "Charly Triballeau / AFP"),
        facts=(
            "Les Français menaient pourtant 19 à 10 à l’heure de jeu.",
            "Le carton rouge adressé à leur deuxième-ligne pour un coup de coude a changé "
            "le cours de la rencontre.",
            "Les Gallois ont arraché la victoire 20-19 grâce à un essai en fin de match.",
            "Le sélectionneur Jacques Brunel quitte ses fonctions après ce Mondial.",
        ),
    ),
    brief(
        id="7799571100", where=("sport", "football"), listing="sport", section_pool="sport",
        date=(2019, 12, 2, 21, 40), authors=("Loïc Bertrand",),
        title="Ballon d'or 2019 : Lionel Messi sacré pour la sixième fois",
        lead="L’Argentin devance Virgil van Dijk et Cristiano Ronaldo et devient le joueur "
             "le plus titré de l’histoire du trophée.",
        og_title="Messi, un sixième Ballon d’or historique",
        og_description="Le palmarès complet de la cérémonie au Châtelet.",
        tags=("Ballon d'or", "Lionel Messi"), labels=("fil info", "Football"),
        image=("Lionel Messi sur la scène du Châtelet", "Franck Fife / AFP"),
        facts=(
            "La cérémonie organisée au théâtre du Châtelet a consacré une nouvelle fois le "
            "numéro 10 du FC Barcelone.",
            "Chez les femmes, l’Américaine Megan Rapinoe, championne du monde cet été, a "
            "été récompensée.",
            "Le trophée Kopa du meilleur jeune joueur a été attribué à Matthijs de Ligt.",
            "Aucun joueur français ne figurait dans les cinq premiers du classement.",
        ),
    ),
    # --- culture ----------------------------------------------------------------------
    brief(
        id="7796894520", where=("actu", "culture"), section_pool="culture",
        date=(2019, 2, 23, 0, 20), authors=("Pauline Méric",),
        title="César 2019 : \"Jusqu'à la garde\" grand vainqueur de la cérémonie",
        lead="Le premier long-métrage de Xavier Legrand, sur les violences conjugales, a "
             "remporté quatre statuettes dont celle du meilleur film.",
        og_title="César 2019 : le palmarès complet",
        og_description="Tous les lauréats de la 44e cérémonie.",
        tags=("César", "Cinéma"), labels=("fil info",),
        image=("L’équipe de « Jusqu’à la garde » sur scène", "Bertrand Guay / AFP"),
        facts=(
            "Léa Drucker a reçu le César de la meilleure actrice pour son rôle de mère "
            "protégeant son fils.",
            "Alex Lutz a été sacré meilleur acteur pour « Guy », qu’il a aussi réalisé.",
            "Jacques Audiard repart avec le César de la meilleure réalisation pour « Les "
            "Frères Sisters ».",
            "La cérémonie, présentée par Kad Merad, a duré plus de trois heures.",
        ),
    ),
    brief(
        id="7797771425", where=("culture", "cinema"), listing="culture",
        section_pool="culture",
        date=(2019, 5, 25, 21, 10), authors=("Élodie Chassagne",),
        title="Festival de Cannes : la Palme d'or attribuée à \"Parasite\" de Bong Joon-ho",
        lead="Le jury présidé par Alejandro González Iñárritu a récompensé à l’unanimité "
             "le film du cinéaste sud-coréen.",
        og_title="Cannes 2019 : « Parasite » palme d’or, le palmarès",
        og_description="Tous les prix du 72e Festival de Cannes.",
        tags=("Festival de Cannes", "Cinéma"), labels=("fil info", "Palmarès"),
        image=("Bong Joon-ho avec sa Palme d’or", "Loïc Venance / AFP"),
        facts=(
            "C’est la première fois qu’un film sud-coréen remporte la récompense suprême "
            "du festival.",
            "Le Grand prix est revenu à la réalisatrice franco-sénégalaise Mati Diop pour "
            "« Atlantique ».",
            "« Les Misérables » de Ladj Ly partage le prix du jury avec « Bacurau ».",
            "Antonio Banderas a reçu le prix d’interprétation masculine.",
            "Le festival s’est achevé par la projection de « Hors normes ».",
        ),
        headings=("Une première pour la Corée du Sud",),
    ),
    brief(
        id="7797902218", where=("actu", "culture"), section_pool="culture",
        date=(2019, 6, 21, 9, 0), authors=("Amandine Lefort",), image=None,
        in_sitemap=False,
        title="Fête de la musique : les concerts à ne pas manquer à Paris",
        lead="Des quais de Seine aux jardins du Palais-Royal, la capitale vibre au rythme "
             "de centaines de scènes gratuites ce vendredi.",
        og_title="Fête de la musique 2019 : notre sélection",
        og_description="Les meilleurs plans pour le 21 juin.",
        tags=("Fête de la musique", "Concerts"), labels=("fil info", "Sorties"),
        facts=(
            "La cour de l’Élysée accueille une soirée consacrée aux musiques électroniques.",
            "Le métro fonctionnera toute la nuit sur plusieurs lignes.",
            "La préfecture de police a interdit la vente d’alcool à emporter dans certains "
            "quartiers.",
            "Plusieurs orchestres se produiront dans les hôpitaux parisiens.",
        ),
    ),
    brief(
        id="7798421190", where=("culture", "livres"), listing="culture",
        section_pool="culture",
        date=(2019, 9, 5, 14, 30), updated=(2019, 9, 6, 9, 0),
        authors=("Pauline Méric", "Antoine Guérin"),
        title="Rentrée littéraire : 524 romans attendus en librairie",
        lead="Moins de titres que l’an passé, mais beaucoup de premiers romans : les "
             "éditeurs misent sur la découverte.",
        og_title="Rentrée littéraire 2019 : nos coups de cœur",
        og_description="Les livres dont tout le monde va parler.",
        tags=("Rentrée littéraire", "Livres"), labels=("fil info", "Lecture"),
        image=("Des romans sur une table de librairie", "Joel Saget / AFP"),
        facts=(
            "Selon le magazine professionnel Livres Hebdo, 524 romans paraissent entre la "
            "mi-août et la fin octobre.",
            "Parmi eux, 82 premiers romans, un chiffre stable.",
            "Amélie Nothomb publie comme chaque année un nouveau livre, consacré cette fois "
            "à la figure du père.",
            "Les libraires constatent un intérêt croissant pour les récits autobiographiques.",
            "Les premières sélections des grands prix d’automne seront dévoilées dans "
            "quelques jours.",
        ),
        json_ld_only=True,
    ),
    brief(
        id="7799180250", where=("actu", "culture"), section_pool="culture",
        date=(2019, 10, 24, 6, 0), authors=("Élodie Chassagne",),
        title="Astérix : le 38e album des irréductibles Gaulois arrive en librairie",
        lead="« La Fille de Vercingétorix » est tiré à cinq millions d’exemplaires, pour "
             "les soixante ans du petit Gaulois.",
        og_title="Astérix fête ses 60 ans avec un nouvel album",
        og_description="Ce que l’on sait de « La Fille de Vercingétorix ».",
        tags=("Astérix", "Bande dessinée"), labels=("fil info", "Lecture"),
        image=("La couverture du nouvel album d’Astérix", "Éditions Albert René"),
        truncated=True,
        facts=(
            "Le scénariste Jean-Yves Ferri et le dessinateur Didier Conrad signent leur "
            "quatrième album ensemble.",
            "L’histoire met en scène une adolescente rebelle, fille du célèbre chef "
            "arverne.",
            "Le tirage mondial atteint cinq millions d’exemplaires, dont deux millions pour "
            "la France.",
            "Une exposition consacrée au personnage est prévue à la Bibliothèque nationale "
            "de France.",
        ),
    ),
)
