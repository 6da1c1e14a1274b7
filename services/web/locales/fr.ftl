# L'application web en français. Chaque clé est aussi dans en.ftl, et sert aux pages (un test le vérifie).

app-name = Effectifs des ALC
skip-to-content = Aller au contenu
nav-label = Mission
nav-overview = Vue d'ensemble
nav-board = Tableau des bases
nav-missions = Missions
signed-in-as = Connecté·e : { $name }
language-switch = English
sign-out = Se déconnecter
footer-text = Effectifs des ALC — tout ce qui figure sur ces pages relève du besoin d'en connaître.
count-withheld = non communiqué

# Voyage dans le temps
travel-as-of = À la date du
travel-known-at = Tel que connu le (UTC)
travel-apply = Afficher
travel-today = Revenir à aujourd'hui
travel-known-at-banner = Seul ce qui était enregistré le { $at } est affiché.
travel-as-of-invalid = Donnez la date comme le sélecteur de date (année-mois-jour).
travel-known-at-invalid = Donnez une date et une heure.
travel-invalid-title = Cette date est illisible

# Connexion
sign-in-title = Connexion
sign-in-intro = Connectez-vous avec le compte de votre organisation pour voir les effectifs, la couverture et le bien-être de vos missions.
sign-in-with-provider = Se connecter avec le compte de votre organisation
sign-in-no-provider = La connexion par un fournisseur d'identité n'est pas configurée sur ce serveur : utilisez un lien de connexion à usage unique fourni par la personne qui l'administre.
sign-in-signed-out = Vous êtes déconnecté·e.
sign-in-failed = La connexion n'a pas abouti. Réessayez ; en cas de nouvel échec, contactez votre administrateur.
sign-in-code-used = Ce lien de connexion a déjà servi ou a expiré. Demandez-en un nouveau.
missions-title = Vos missions
missions-none = Aucune mission ne vous est ouverte.

# Refus
refusal-forbidden-title = Accès non autorisé
refusal-forbidden = Cette page relève d'une mission ou d'un rôle hors de votre accès : elle n'est pas affichée. Si votre travail l'exige, demandez à l'administrateur de votre mission d'étendre votre accès.
refusal-not-found-title = Introuvable
refusal-not-found = Il n'y a rien à cette adresse à cette date.
refusal-unavailable-title = Indisponible pour le moment
refusal-unavailable = Les chiffres ne peuvent pas être affichés pour le moment. Réessayez dans une minute.
refusal-csrf-title = Formulaire expiré
refusal-csrf = Ce formulaire n'a pas pu être accepté : il ne provient pas d'une page de cette session. Rien n'a été modifié. Revenez en arrière, rechargez la page et réessayez.
refusal-back = Retour à vos missions

# Vue d'ensemble
overview-title = { $mission } au { $date }
overview-intro = { $name } : les chiffres sur lesquels agir, pour les { $bases } bases de la mission. Chacun ouvre sa liste.
overview-coverage = Couverture
overview-below-minimum = bases sous le minimum
overview-empty = bases vides
overview-lone = ALC seul·e·s sur une base
overview-welfare = Bien-être et risques
overview-overdue-check-ins = ALC en retard de signalement
overview-flags-critical = alertes ouvertes, critiques
overview-flags-high = alertes ouvertes, élevées
overview-flags-medium = alertes ouvertes, moyennes
overview-flags-low = alertes ouvertes, faibles
overview-reviews-overdue = revues d'alerte en retard
overview-withheld-note = Les comptes de risques ne sont pas communiqués lorsqu'ils porteraient sur moins de 3 ALC, afin qu'aucun compte ne désigne une personne.
overview-staffing = Rotations et contrats
overview-rotations-overdue = rotations en retard
overview-rotations-due = rotations prévues sous 30 jours
overview-appointments-ending = contrats se terminant sous 60 jours
overview-supervision = Supervision
overview-unsupervised = ALC sans superviseur
overview-not-visited = bases non visitées depuis { $days } jours
overview-supervision-percent = { $percent } des ALC déployé·e·s ont un superviseur.

# Tableau des bases
board-title = Tableau des bases : { $mission } au { $date }
board-field-office = Bureau de terrain
board-status = Statut
board-sort = Ordre
board-all = Tous
board-apply = Afficher
board-status-ok = au minimum
board-status-below-minimum = sous le minimum
board-status-empty = vide
board-status-invalid = Choisissez un statut dans la liste.
board-sort-shortfall = plus grand manque d'abord
board-sort-name = par nom
board-sort-strength = plus faibles d'abord
board-sort-invalid = Choisissez un ordre dans la liste.
board-count = { $count } bases
board-download-csv = Télécharger en CSV
board-caption = Les bases, leur effectif face à leur minimum, et leurs alertes de risque ouvertes
board-col-base = Base
board-col-field-office = Bureau de terrain
board-col-status = Statut
board-col-strength = Effectif / minimum
board-col-deployed = Déployé·e·s
board-col-women = Femmes
board-col-languages-missing = Langues locales non couvertes
board-col-rotation-due = Au-delà de la durée maximale
board-col-open-flags = Alertes ouvertes
board-strength = { $strength } / { $minimum }
board-flags = critiques { $critical }, élevées { $high }, moyennes { $medium }, faibles { $low }
board-flags-none = aucune
board-none = Aucune base ne correspond à ces filtres.

# Listes
list-title-suffix = { $mission } au { $date }
list-empty = Personne ni rien sur cette liste.
list-lone-title = ALC seul·e·s sur une base
list-overdue-title = ALC en retard de signalement
list-flags-title = Alertes de risque ouvertes par gravité
list-rotations-title = Rotations en retard et prévues sous 30 jours
list-appointments-title = Contrats se terminant sous 60 jours
list-unsupervised-title = ALC sans superviseur
list-not-visited-title = Bases non visitées dans l'intervalle
list-col-cla = ALC
list-col-due = Attendu depuis
list-col-place = Où
list-col-from = De
list-col-to = Vers
list-col-date = Date
list-col-ends = Fin
list-col-last-visit = Dernière visite de terrain
list-overdue-count = { $count } ALC sont en retard de signalement.
list-names-restricted = Leur identité n'est montrée qu'aux affaires civiles de la mission.
list-flags-counts-note = Comptes seulement. Un compte qui porterait sur moins de 3 ALC n'est pas communiqué.
list-mission-total = Toute la mission
list-reviews-overdue = { $count } revues d'alerte sont en retard.
list-visited-days-ago = { $date } (il y a { $days } jours)
list-never-visited = jamais visitée
rotation-overdue = en retard
rotation-planned = prévue
severity-critical = Critique
severity-high = Élevée
severity-medium = Moyenne
severity-low = Faible
