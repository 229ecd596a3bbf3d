#include "core/i18n.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace keneya::core {
namespace {

struct Entry {
  std::string_view en, fr;
  // A word or phrase Keneya itself puts inside its messages ("a number"): translated there too.
  // Other templates without a value translate a whole message or place only, so that a name a
  // user chose ("invoice", "May") is never translated.
  bool inside = false;
};

// English templates and their French. {} stands for a name or a value, in the same order in
// both. Grouped by the module that writes them.
constexpr Entry kFrench[] = {
    // ---- Store, CLI ----
    // Places named by themselves in an error's where.
    {"period", "période"},
    {"invoice", "facture"},
    {"contract", "contrat"},
    {"run", "lot"},
    {"program", "programme"},
    {"NUMBER", "NUMÉRO"},
    {"no such file or directory", "fichier ou répertoire introuvable"},
    {"cannot read the file", "impossible de lire le fichier"},
    {"cannot write the file", "impossible d'écrire le fichier"},
    {"the file is not valid UTF-8 (byte {})", "le fichier n'est pas en UTF-8 valide (octet {})"},
    {"no org unit group '{}'", "aucun groupe d'unités d'organisation '{}'"},
    {"no org unit group set '{}'", "aucun ensemble de groupes '{}'"},
    {"no org unit '{}'", "aucune unité d'organisation '{}'"},
    {"no contract {}", "aucun contrat {}"},
    // A contract's terms ("2021-01-01.. EQUITE_0 (set) active").
    {"{} active", "{} actif"},
    {"{} suspended", "{} suspendu"},
    {"{} ended", "{} terminé"},
    {"{} (set)", "{} (fixée)"},
    {"contract {} does not exist", "le contrat {} n'existe pas"},
    {"the contract names no program", "le contrat ne nomme aucun programme"},
    {"the contract ends ({}) before it starts ({})",
     "le contrat finit ({}) avant de commencer ({})"},
    {"the contract has no equity category", "le contrat n'a pas de catégorie d'équité"},
    {"the contract of {} with {} from {} overlaps contract {} ({}): end that one first",
     "le contrat de {} avec {} à partir du {} chevauche le contrat {} ({}) : terminez d'abord "
     "celui-là"},
    {"the program has no code", "le programme n'a pas de code"},
    {"versions start at 1", "les versions commencent à 1"},
    {"version {} of program {} is already stored with other content: give the changed program a "
     "new version",
     "la version {} du programme {} est déjà enregistrée avec un autre contenu : donnez une "
     "nouvelle version au programme modifié"},
    {"version {} of program {} is not stored",
     "la version {} du programme {} n'est pas enregistrée"},
    {"no invoice {}", "aucune facture {}"},
    {"no invoice run {}", "aucun lot de facturation {}"},
    {"no invoice run for {}", "aucun lot de facturation pour {}"},
    {"write name=value or output[key]=value, not \"{}\"",
     "écrivez nom=valeur ou sortie[clé]=valeur, pas « {} »"},
    {"\"{}\" is not a number", "« {} » n'est pas un nombre"},
    {"{} is set twice", "{} est donné deux fois"},
    {"{} is given twice", "{} est donné deux fois"},
    {"write ZONE=amount, not \"{}\"", "écrivez ZONE=montant, pas « {} »"},
    {"not a health facility ({}, level {})",
     "ce n'est pas une formation sanitaire ({}, niveau {})"},
    {"no such org unit", "unité d'organisation introuvable"},
    {"in no group of {}: give its equity category",
     "dans aucun groupe de {} : donnez sa catégorie d'équité"},
    {"no program '{}' stored (see keneya program list)",
     "aucun programme '{}' enregistré (voir keneya program list)"},
    {"the program has no equity_group_set: give --equity",
     "le programme n'a pas de equity_group_set : donnez --equity"},
    {"give --facility or --group", "donnez --facility ou --group"},
    {"version {} of program {} cannot be read: {}",
     "la version {} du programme {} est illisible : {}"},
    {"contract {} is active: only a suspended contract can be resumed",
     "le contrat {} est actif : seul un contrat suspendu peut reprendre"},
    {"contract {} is ended: only a suspended contract can be resumed",
     "le contrat {} est terminé : seul un contrat suspendu peut reprendre"},
    {"contract {} is suspended: only an active contract can be suspended",
     "le contrat {} est suspendu : seul un contrat actif peut être suspendu"},
    {"contract {} is ended: only an active contract can be suspended",
     "le contrat {} est terminé : seul un contrat actif peut être suspendu"},
    {"contract {} is ended: there is nothing to end",
     "le contrat {} est terminé : il n'y a rien à terminer"},
    {"the date cannot come before the contract's start ({})",
     "la date ne peut précéder le début du contrat ({})"},
    {"the date must come after the contract's start ({})",
     "la date doit suivre le début du contrat ({})"},
    {"the contract ends on {}: the date must come before it",
     "le contrat finit le {} : la date doit être avant"},
    {"{} is not a region or a district (level {})",
     "{} n'est ni une région ni un district (niveau {})"},
    // Stored data that cannot be read back (core::StoredDataError, check-db).
    {"table {}, row {}, column {}", "table {}, ligne {}, colonne {}"},
    {"  - table {}, row {}, column {}", "  - table {}, ligne {}, colonne {}"},
    {"the database is not consistent:", "la base n'est pas cohérente :"},
    {"\"{}\" is not a date", "« {} » n'est pas une date"},
    {"no date", "pas de date", true},
    {"unknown contract status \"{}\"", "statut de contrat inconnu « {} »"},
    {"the invoice's stored lines cannot be read: {}",
     "les lignes enregistrées de la facture sont illisibles : {}"},
    {"the invoice's stored snapshot cannot be read: {}",
     "l'instantané enregistré de la facture est illisible : {}"},
    {"not JSON", "pas du JSON", true},
    {"not a JSON array", "pas un tableau JSON", true},
    {"no facility", "pas de formation", true},
    {"line {} is not an object", "la ligne {} n'est pas un objet"},
    {"line {} is of unknown kind", "la ligne {} est d'un genre inconnu"},
    {"line {} has a field of the wrong type", "la ligne {} a un champ du mauvais type"},
    {"a facility field of the wrong type", "un champ de la formation du mauvais type", true},
    {"values is not an array", "values n'est pas un tableau", true},
    {"value {} is not [package, period, input, activity, number]",
     "la valeur {} n'est pas [paquet, période, entrée, activité, nombre]"},
    {"zones is not an object", "zones n'est pas un objet", true},
    {"zone value {} is not a number", "la valeur de zone {} n'est pas un nombre"},
    {"every stored type, date and status reads back",
     "chaque type, date et statut enregistré se relit"},
    {"every stored invoice's lines and snapshot read back",
     "les lignes et l'instantané de chaque facture enregistrée se relisent"},

    // ---- Command line (CLI11's messages) ----
    {"{} excludes {}", "{} exclut {}"},
    {"{} requires {}", "{} demande {}"},
    {"{} is required", "{} est obligatoire"},
    {"A subcommand is required", "Une sous-commande est obligatoire"},
    {"The following argument was not expected: {}", "Argument inattendu : {}"},
    {"The following arguments were not expected: {}", "Arguments inattendus : {}"},
    {"Could not convert: {} = {}", "Conversion impossible : {} = {}"},
    {"The value {} is not an allowed value for {}", "La valeur {} n'est pas permise pour {}"},
    {"Value {} not in range {} to {}", "La valeur {} n'est pas entre {} et {}"},
    {"Value {} could not be converted", "La valeur {} n'a pas pu être convertie"},
    {"Expected exactly {} arguments to {}, got {}", "{} arguments attendus pour {}, reçu {}"},
    {"{}: {} required {} missing", "{} : {} {} manquant(s)"},

    // ---- Dates and periods (core) ----
    {"month {} does not exist", "le mois {} n'existe pas"},
    {"29 February does not exist in {} (not a leap year)",
     "le 29 février n'existe pas en {} (année non bissextile)"},
    {"day {} does not exist in January {}", "le jour {} n'existe pas en janvier {}"},
    {"day {} does not exist in February {}", "le jour {} n'existe pas en février {}"},
    {"day {} does not exist in March {}", "le jour {} n'existe pas en mars {}"},
    {"day {} does not exist in April {}", "le jour {} n'existe pas en avril {}"},
    {"day {} does not exist in May {}", "le jour {} n'existe pas en mai {}"},
    {"day {} does not exist in June {}", "le jour {} n'existe pas en juin {}"},
    {"day {} does not exist in July {}", "le jour {} n'existe pas en juillet {}"},
    {"day {} does not exist in August {}", "le jour {} n'existe pas en août {}"},
    {"day {} does not exist in September {}", "le jour {} n'existe pas en septembre {}"},
    {"day {} does not exist in October {}", "le jour {} n'existe pas en octobre {}"},
    {"day {} does not exist in November {}", "le jour {} n'existe pas en novembre {}"},
    {"day {} does not exist in December {}", "le jour {} n'existe pas en décembre {}"},
    {"day {} of the year does not exist: {} has {} days",
     "le jour {} de l'année n'existe pas : {} compte {} jours"},
    {"week {} does not exist: {} has {} {} (W1 to W{})",
     "la semaine {} n'existe pas : {} compte {} {} (W1 à W{})"},
    {"ISO weeks", "semaines ISO", true},
    {"Monday-start weeks", "semaines commençant le lundi", true},
    {"Tuesday-start weeks", "semaines commençant le mardi", true},
    {"Wednesday-start weeks", "semaines commençant le mercredi", true},
    {"Thursday-start weeks", "semaines commençant le jeudi", true},
    {"Friday-start weeks", "semaines commençant le vendredi", true},
    {"Saturday-start weeks", "semaines commençant le samedi", true},
    {"Sunday-start weeks", "semaines commençant le dimanche", true},
    {"bi-week {} does not exist: {} has {} bi-weeks (BiW1 to BiW{})",
     "la quinzaine {} n'existe pas : {} compte {} quinzaines (BiW1 à BiW{})"},
    {"month {} does not exist (01 to 12)", "le mois {} n'existe pas (01 à 12)"},
    {"bi-month {} does not exist (01B to 06B)", "le bimestre {} n'existe pas (01B à 06B)"},
    {"quarter {} does not exist (Q1 to Q4)", "le trimestre {} n'existe pas (Q1 à Q4)"},
    {"half-year {} does not exist (S1 or S2)", "le semestre {} n'existe pas (S1 ou S2)"},
    {"unexpected \"{}\" after \"{}\"; {}", "« {} » inattendu après « {} » ; {}"},
    {"expected 2 digits after the year for a month (202301), 4 for a day (20230115) or 2 and B "
     "for a bi-month (202301B), not {}",
     "2 chiffres sont attendus après l'année pour un mois (202301), 4 pour un jour (20230115) ou "
     "2 et B pour un bimestre (202301B), pas {}"},
    {"expected yyyy-MM for a month or yyyy-MM-dd for a day; {}",
     "aaaa-MM est attendu pour un mois, aaaa-MM-jj pour un jour ; {}"},
    {"unknown period form \"{}\" after the year; {}",
     "forme de période inconnue « {} » après l'année ; {}"},
    {"write e.g. 20230115, 202301, 2023W5, 2023BiW1, 202301B, 2023Q1, 2023S1, 2023 or 2023April "
     "(docs/PERIODS.md lists every form)",
     "écrivez par exemple 20230115, 202301, 2023W5, 2023BiW1, 202301B, 2023Q1, 2023S1, 2023 ou "
     "2023April (docs/PERIODS.md donne toutes les formes)"},
    {"date \"{}\"", "date « {} »"},
    {"period \"{}\"", "période « {} »"},

    // ---- Periods, dates, formats (core) ----
    {"An ADX period is a start date and a duration, as 2023-01-01/P1M",
     "Une période ADX est une date de début et une durée, comme 2023-01-01/P1M"},
    {"the start is not a date yyyy-MM-dd", "le début n'est pas une date aaaa-MM-jj"},
    {"unknown duration \"{}\"; expected P1D, P7D, P14D, P1M, P2M, P3M, P6M or P1Y",
     "durée inconnue « {} » ; attendu P1D, P7D, P14D, P1M, P2M, P3M, P6M ou P1Y"},
    {"no period of duration {} starts on {}", "aucune période de durée {} ne commence le {}"},
    {"expected a date written yyyy-MM-dd, e.g. 2023-01-15",
     "une date écrite aaaa-MM-jj est attendue, par exemple 2023-01-15"},
    {"unexpected \"{}\" after the date; expected nothing or a time such as T10:30:00",
     "« {} » inattendu après la date ; attendu rien ou une heure comme T10:30:00"},
    {"unknown org unit type \"{}\"; expected one of {}",
     "type d'unité d'organisation inconnu « {} » ; attendu l'un de {}"},
    {"unknown period type; expected one of {}", "type de période inconnu ; attendu l'un de {}"},
    {"the period is empty; {}", "la période est vide ; {}"},
    {"a period starts with a 4-digit year; {}",
     "une période commence par une année à 4 chiffres ; {}"},
    {"unknown period type {}", "type de période inconnu {}"},
    {"{} ({} to {}) is not within a single {} period: it starts in {} and ends in {}",
     "{} ({} à {}) ne tient pas dans une seule période {} : elle commence en {} et finit en {}"},
    {"a period code is a positive number", "un code de période est un nombre positif"},
    {"expected 'T' between date and time", "'T' attendu entre la date et l'heure"},
    {"expected a time HH:mm after the date", "une heure HH:mm est attendue après la date"},
    {"seconds out of range", "secondes hors limites"},
    {"expected digits after '.'", "des chiffres sont attendus après '.'"},
    {"malformed time zone offset", "décalage horaire mal formé"},
    {"unexpected characters after the time", "caractères inattendus après l'heure"},
    {"value \"{}\" is not {} (value type {})", "la valeur « {} » n'est pas {} (type {})"},
    {"unknown value type \"{}\"", "type de valeur inconnu « {} »"},
    {"value is longer than 50,000 characters", "la valeur dépasse 50 000 caractères"},
    {"a quoted field is not closed (the file is truncated?)",
     "un champ entre guillemets n'est pas fermé (fichier tronqué ?)"},
    {"unexpected character after a closing quote",
     "caractère inattendu après un guillemet fermant"},
    {"the quoted field that starts here has no closing quote; add the missing \"",
     "le champ entre guillemets qui commence ici n'est pas fermé ; ajoutez le \" manquant"},
    {"unexpected character after a closing quote; a quoted field must be followed by a comma or "
     "the end of the line (write a quote inside a quoted field as \"\")",
     "caractère inattendu après un guillemet fermant ; un champ entre guillemets doit être suivi "
     "d'une virgule ou de la fin de la ligne (écrivez un guillemet dans un champ entre guillemets "
     "\"\")"},
    {"a quote inside an unquoted field; put the whole field in quotes and double the quote (\"\")",
     "un guillemet dans un champ sans guillemets ; mettez tout le champ entre guillemets et "
     "doublez le guillemet (\"\")"},
    {"category {} has no options", "la catégorie {} n'a pas d'options"},
    {"category combo {} does not exist", "la combinaison de catégories {} n'existe pas"},
    {"category {} of combo {} does not exist", "la catégorie {} de la combinaison {} n'existe pas"},
    {"category option {} does not exist", "l'option de catégorie {} n'existe pas"},
    {"unknown data dimension type \"{}\"; expected DISAGGREGATION or ATTRIBUTE",
     "type de dimension inconnu « {} » ; attendu DISAGGREGATION ou ATTRIBUTE"},

    // ---- DHIS2 files and exchange (io) ----
    {"column {} must be true or false, not \"{}\"",
     "la colonne {} doit valoir true ou false, pas « {} »"},
    {"the header has no column \"{}\"", "l'en-tête n'a pas de colonne « {} »"},
    {"unknown format \"{}\"; expected json, xml, csv or adx",
     "format inconnu « {} » ; attendu json, xml, csv ou adx"},
    {"cannot tell the format from the file name; give --format json, xml, csv or adx",
     "le nom du fichier ne dit pas son format ; donnez --format json, xml, csv ou adx"},
    {"cannot open the file", "impossible d'ouvrir le fichier"},
    {"cannot create the file", "impossible de créer le fichier"},
    {"cannot write the export", "impossible d'écrire l'export"},
    {"cannot write the export (disk full?)", "impossible d'écrire l'export (disque plein ?)"},
    {"cannot write the JSON summary", "impossible d'écrire le résumé JSON"},
    {"the DHIS2 URL \"{}\" should start with https:// (or http://)",
     "l'URL DHIS2 « {} » doit commencer par https:// (ou http://)"},
    {"the DHIS2 URL holds a user name or password; give them as credentials instead",
     "l'URL DHIS2 contient un nom d'utilisateur ou un mot de passe ; donnez-les comme "
     "identifiants"},
    {"the DHIS2 URL has no host", "l'URL DHIS2 n'a pas d'hôte"},
    {"the DHIS2 URL \"{}\" should have no query or fragment (only a path prefix)",
     "l'URL DHIS2 « {} » ne doit avoir ni requête ni fragment (seulement un préfixe de chemin)"},
    {"the DHIS2 URL \"{}\" has an invalid port", "l'URL DHIS2 « {} » a un port invalide"},
    {"give a DHIS2 user and password, or a personal access token",
     "donnez un utilisateur et un mot de passe DHIS2, ou un jeton d'accès personnel"},
    {"parallelism is {}; it should be 1 or more",
     "le parallélisme vaut {} ; il doit valoir 1 ou plus"},
    {"this build of Keneya has no HTTPS support", "cette version de Keneya ne gère pas HTTPS"},
    {"cannot use the DHIS2 URL {}", "impossible d'utiliser l'URL DHIS2 {}"},
    {"the page size should be 1 or more", "la taille de page doit valoir 1 ou plus"},
    {"no data set to pull", "aucun ensemble de données à récupérer"},
    {"no period to pull", "aucune période à récupérer"},
    {"no org unit to pull", "aucune unité d'organisation à récupérer"},
    {"org units and periods per request should be 1 or more",
     "les unités d'organisation et périodes par requête doivent valoir 1 ou plus"},
    {"the batch size should be 1 or more", "la taille des lots doit valoir 1 ou plus"},
    {"cannot read the push journal: {}", "impossible de lire le journal d'envoi : {}"},
    {"the push journal is unreadable ({}); delete it to push everything again",
     "le journal d'envoi est illisible ({}) ; supprimez-le pour tout renvoyer"},
    {"cannot write the push journal ({}): {}", "impossible d'écrire le journal d'envoi ({}) : {}"},
    {"the push stopped before every batch was sent",
     "l'envoi s'est arrêté avant que tous les lots soient envoyés"},
    {"no answer", "aucune réponse"},
    {"cannot reach DHIS2 at {}: {}", "impossible de joindre DHIS2 à {} : {}"},
    {"the answer is not a DHIS2 user (no username); check the base URL",
     "la réponse n'est pas un utilisateur DHIS2 (pas de username) ; vérifiez l'URL de base"},
    {"the answer is not a DHIS2 user (not JSON); check the base URL ({})",
     "la réponse n'est pas un utilisateur DHIS2 (pas du JSON) ; vérifiez l'URL de base ({})"},
    {"malformed JSON: {}", "JSON mal formé : {}"},
    {"cannot read the JSON: {}", "impossible de lire le JSON : {}"},
    {"malformed XML: {}", "XML mal formé : {}"},
    {"the file holds no XML element", "le fichier ne contient aucun élément XML"},
    {"entity declarations are not accepted in data files",
     "les déclarations d'entités ne sont pas acceptées dans les fichiers de données"},
    {"the root of a data value set must be a JSON object {\"dataValues\": [...]}",
     "la racine d'un ensemble de valeurs doit être un objet JSON {\"dataValues\": [...]}"},
    {"\"dataValues\" must be an array", "\"dataValues\" doit être un tableau"},
    {"data value {} is not a JSON object", "la valeur {} n'est pas un objet JSON"},
    {"\"{}\" must be a string, not {}", "« {} » doit être une chaîne, pas {}"},
    {"\"{}\" must be true or false, not \"{}\"", "« {} » doit valoir true ou false, pas « {} »"},
    {"attribute {} must be true or false, not \"{}\"",
     "l'attribut {} doit valoir true ou false, pas « {} »"},
    {"unknown state \"{}\"", "étape inconnue « {} »"},
    {"unknown state \"{}\"; the database has {}", "étape inconnue « {} » ; la base a {}"},
    {"data set {} does not exist", "l'ensemble de données {} n'existe pas"},
    {"org unit {} does not exist", "l'unité d'organisation {} n'existe pas"},
    {"unknown id scheme \"{}\"; expected UID, CODE, NAME or ATTRIBUTE:<uid>",
     "schéma d'identifiants inconnu « {} » ; attendu UID, CODE, NAME ou ATTRIBUTE:<uid>"},
    {"unknown strategy \"{}\"; expected CREATE_AND_UPDATE, CREATE, UPDATE or DELETE",
     "stratégie inconnue « {} » ; attendu CREATE_AND_UPDATE, CREATE, UPDATE ou DELETE"},
    {"no DHIS2 server: give --url or KENEYA_DHIS2_URL",
     "aucun serveur DHIS2 : donnez --url ou KENEYA_DHIS2_URL"},
    {"no DHIS2 credentials: set KENEYA_DHIS2_TOKEN (a personal access token), or --dhis2-user (or "
     "KENEYA_DHIS2_USER) with KENEYA_DHIS2_PASSWORD",
     "aucun identifiant DHIS2 : définissez KENEYA_DHIS2_TOKEN (un jeton d'accès personnel), ou "
     "--dhis2-user (ou KENEYA_DHIS2_USER) avec KENEYA_DHIS2_PASSWORD"},
    {"give --data-set, --period and --org-unit", "donnez --data-set, --period et --org-unit"},
    {"org unit {} is not in the database; run keneya dhis2 pull-metadata first",
     "l'unité d'organisation {} n'est pas dans la base ; lancez d'abord keneya dhis2 "
     "pull-metadata"},
    {"the metadata holds text that is not valid UTF-8: {}",
     "les métadonnées contiennent du texte qui n'est pas en UTF-8 valide : {}"},
    {"org unit {} has coordinates that are not numbers",
     "l'unité d'organisation {} a des coordonnées qui ne sont pas des nombres"},

    // ---- Store ----
    {"no database given; pass --db FILE or a postgresql:// URL",
     "aucune base donnée ; passez --db FICHIER ou une URL postgresql://"},
    {"cannot connect to PostgreSQL: {}", "impossible de se connecter à PostgreSQL : {}"},
    {"{}; the connection to PostgreSQL was lost", "{} ; la connexion à PostgreSQL a été perdue"},
    {"cannot open the SQLite database: {}", "impossible d'ouvrir la base SQLite : {}"},
    {"{} (the database is locked by another writer)",
     "{} (la base est verrouillée par un autre écrivain)"},
    {"the database schema is version {}, newer than this program's {}; use a newer Keneya with "
     "this database",
     "le schéma de la base est en version {}, plus récente que celle de ce programme ({}) ; "
     "utilisez un Keneya plus récent avec cette base"},
    {"import {} does not exist", "l'import {} n'existe pas"},
    {"{} with id {} does not exist", "{} d'id {} n'existe pas"},
    {"org unit with id {} does not exist", "l'unité d'organisation d'id {} n'existe pas"},
    {"a contract's facility and program cannot change: end it and sign a new one",
     "la formation et le programme d'un contrat ne peuvent changer : terminez-le et signez-en un "
     "nouveau"},
    {"the complete date must be yyyy-MM-dd, not \"{}\"",
     "la date de complétude doit être aaaa-MM-jj, pas « {} »"},
    {"{} values point to a missing import", "{} valeurs renvoient à un import manquant"},
    {"{} imports were recorded without their end", "{} imports ont été enregistrés sans leur fin"},

    // ---- Demo, server ----
    {"first_year {} is after last_year {}", "first_year {} est après last_year {}"},
    {"the demo covers at most 20 years between 2000 and 2100; got {}-{}",
     "la démo couvre au plus 20 ans entre 2000 et 2100 ; reçu {}-{}"},
    {"cannot listen on {}:{} (in use, or not allowed)",
     "impossible d'écouter sur {}:{} (occupé, ou interdit)"},
    {"cannot listen on {}", "impossible d'écouter sur {}"},
    {"the server stopped unexpectedly", "le serveur s'est arrêté de façon inattendue"},

    // ---- Programs: files and tables ----
    {"TOML syntax: {} (column {})", "syntaxe TOML : {} (colonne {})"},
    {"unknown key '{}' in {} (known: {})", "clé inconnue '{}' dans {} (connues : {})"},
    {"'{}' must hold tables ([[{}]] or { ... })",
     "'{}' doit contenir des tables ([[{}]] ou { ... })"},
    {"'{}' must be an array of tables: write [[{}]]",
     "'{}' doit être un tableau de tables : écrivez [[{}]]"},
    {"{} has no '{}'", "{} n'a pas de '{}'"},
    {"'{}' of {} is empty", "'{}' de {} est vide"},
    {"'{}' of {} must be a text", "'{}' de {} doit être un texte"},
    {"'{}' of {} must be a list of texts: [\"a\", \"b\"]",
     "'{}' de {} doit être une liste de textes : [\"a\", \"b\"]"},
    {"'{}' of {} must hold texts only", "'{}' de {} ne doit contenir que des textes"},
    {"'{}' of {} is not a date", "'{}' de {} n'est pas une date"},
    {"'{}' of {} must be a date: 2024-01-01", "'{}' de {} doit être une date : 2024-01-01"},
    {"'{}' of {}: {}", "'{}' de {} : {}"},
    {"the file has no [program] table (code, name, version, valid_from)",
     "le fichier n'a pas de table [program] (code, name, version, valid_from)"},
    {"'version' of [program] must be a whole number from 1",
     "'version' de [program] doit être un nombre entier à partir de 1"},
    {"[program] has no 'version' (1, 2, ...)", "[program] n'a pas de 'version' (1, 2, ...)"},
    {"[program] has no 'valid_from' (the first day it applies: 2024-01-01)",
     "[program] n'a pas de 'valid_from' (le premier jour où il s'applique : 2024-01-01)"},
    {"'valid_to' is before 'valid_from'", "'valid_to' précède 'valid_from'"},
    {"'zone_level' must be \"district\" or \"region\"",
     "'zone_level' doit être \"district\" ou \"region\""},
    {"'constants' must be a table: [constants]", "'constants' doit être une table : [constants]"},
    {"constant '{}' must be a number", "la constante '{}' doit être un nombre"},
    {"constant '{}' must be a finite number", "la constante '{}' doit être un nombre fini"},
    {"'display' must be \"number\", \"percent\" or \"money\"",
     "'display' doit être \"number\", \"percent\" ou \"money\""},
    {"the {} name '{}' must be letters, digits and _ (not starting with a digit)",
     "le nom de {} '{}' ne doit contenir que lettres, chiffres et _ (sans commencer par un "
     "chiffre)"},
    {"'frequency' must be \"monthly\" or \"quarterly\", not \"{}\"",
     "'frequency' doit être \"monthly\" ou \"quarterly\", pas \"{}\""},
    {"'org_units' of {} must be a table: { types = [...] }",
     "'org_units' de {} doit être une table : { types = [...] }"},
    {"input '{}' must name a state: \"verified\" or \"verified/COMBO_CODE\"",
     "l'entrée '{}' doit nommer une étape : \"verified\" ou \"verified/CODE_COMBO\""},
    {"'inputs' of {} must be a table: { declared = \"declared\" }",
     "'inputs' de {} doit être une table : { declared = \"declared\" }"},
    {"{} has no inputs (inputs = { verified = \"verified\" })",
     "{} n'a pas d'entrées (inputs = { verified = \"verified\" })"},
    {"{}'s invoice has {} columns but {} titles", "la facture de {} a {} colonnes mais {} titres"},
    {"{}'s invoice has {} columns but {} titles_en",
     "la facture de {} a {} colonnes mais {} titres anglais"},
    {"'invoice' of {} must be a table: { columns = [...] }",
     "'invoice' de {} doit être une table : { columns = [...] }"},
    {"{} pays no package (packages = [\"...\"])", "{} ne paie aucun paquet (packages = [\"...\"])"},
    {"the file '{}' is not beside {}", "le fichier '{}' n'est pas à côté de {}"},
    {"'{}' is neither a date (2024-01-01) nor a period (2024Q1)",
     "'{}' n'est ni une date (2024-01-01) ni une période (2024Q1)"},
    {"the directory holds several .toml files: name one",
     "le répertoire contient plusieurs fichiers .toml : nommez-en un"},
    {"the directory holds no .toml file", "le répertoire ne contient aucun fichier .toml"},
    {"cannot list the directory: {}", "impossible de lister le répertoire : {}"},
    {"the columns are separated by ';': save the table with ',' as the separator (in "
     "LibreOffice: Save as CSV, field separator ',')",
     "les colonnes sont séparées par ';' : enregistrez la table avec ',' comme séparateur "
     "(LibreOffice : Enregistrer sous CSV, séparateur de champ ',')"},
    {"unknown input column '{}' (in:activity, in:facility_type, in:region, in:district, "
     "in:facility, in:equity)",
     "colonne d'entrée inconnue '{}' (in:activity, in:facility_type, in:region, in:district, "
     "in:facility, in:equity)"},
    {"the column '{}' is given twice", "la colonne '{}' est donnée deux fois"},
    {"the output name '{}' must be letters, digits and _ (not starting with a digit)",
     "le nom de sortie '{}' ne doit contenir que lettres, chiffres et _ (sans commencer par un "
     "chiffre)"},
    {"unknown column '{}': write in:<fact> for an input, out:<name> for an output, or valid_from "
     "/ valid_to",
     "colonne inconnue '{}' : écrivez in:<fait> pour une entrée, out:<nom> pour une sortie, ou "
     "valid_from / valid_to"},
    {"the table has no output column (out:tariff, for instance)",
     "la table n'a pas de colonne de sortie (out:tariff, par exemple)"},
    {"the row has {} cells, the header {}", "la ligne a {} cellules, l'en-tête {}"},
    {"column {} is empty: write * to match anything",
     "la colonne {} est vide : écrivez * pour tout accepter"},
    {"column {} (out:{}): '{}' is not a number", "colonne {} (out:{}) : '{}' n'est pas un nombre"},
    {"column {}: {}", "colonne {} : {}"},
    {"valid_to is before valid_from", "valid_to précède valid_from"},
    {"this row and row {} match the same facts on common days, where row {} always wins: close it "
     "with valid_to the day before (or give this row other dates)",
     "cette ligne et la ligne {} correspondent aux mêmes faits sur des jours communs, où la ligne "
     "{} l'emporte toujours : fermez-la avec valid_to la veille (ou donnez d'autres dates à "
     "celle-ci)"},
    {"the file is empty: it needs a header and rows",
     "le fichier est vide : il lui faut un en-tête et des lignes"},
    {"the header must be: zone,period,amount", "l'en-tête doit être : zone,period,amount"},
    {"the row has {} cells, not 3", "la ligne a {} cellules, pas 3"},
    {"the zone (an org unit code) is empty", "la zone (un code d'unité d'organisation) est vide"},
    {"period: {}", "période : {}"},
    {"amount: '{}' is not a whole number of francs from 0",
     "montant : '{}' n'est pas un nombre entier de francs à partir de 0"},
    {"the envelope of {} for {} is given twice", "l'enveloppe de {} pour {} est donnée deux fois"},
    {"activity formula {}: 'dhis2' exports package and payment formulas (one value per "
     "facility), not activity formulas",
     "formule d'activité {} : 'dhis2' exporte les formules de paquet et de paiement (une valeur "
     "par formation), pas les formules d'activité"},
    {"{} '{}' is given twice", "{} '{}' est donné deux fois"},
    {"the package '{}' is given twice", "le paquet '{}' est donné deux fois"},
    {"the payment '{}' is given twice", "le paiement '{}' est donné deux fois"},
    {"the table '{}' is given twice", "la table '{}' est donnée deux fois"},
    {"in package '{}', the activity '{}' is given twice",
     "dans le paquet '{}', l'activité '{}' est donnée deux fois"},
    {"%{{}_values}: '{}' is not an input or activity formula of {}",
     "%{{}_values} : '{}' n'est ni une entrée ni une formule d'activité de {}"},
    {"'{}' is already a name in {}", "'{}' est déjà un nom dans {}"},
    {"the formula '{}' of {} has the name of a constant or a table output: rename it",
     "la formule '{}' de {} porte le nom d'une constante ou d'une sortie de table : "
     "renommez-la"},

    // What a message is about, inside it ("unknown key 'x' in a formula of package 'q'").
    {"a formula of {}", "une formule de {}"},
    {"an activity of {}", "une activité de {}"},
    {"package '{}'", "le paquet '{}'"},
    {"payment '{}'", "le paiement '{}'"},
    {"table '{}'", "la table '{}'"},
    {"{}'s org_units", "org_units de {}"},
    {"{}'s invoice", "invoice de {}"},
    {"the value at column {}", "la valeur de la colonne {}"},
    {"arithmetic", "un calcul", true},
    {"a comparison", "une comparaison", true},
    {"%{{}_values} lists a package's activities (in package formulas) or a zone's facilities (in "
     "zone formulas), not here",
     "%{{}_values} liste les activités d'un paquet (dans les formules de paquet) ou les "
     "formations d'une zone (dans les formules de zone), pas ici"},
    {"no invoice run for {} of {}", "aucun lot de facturation pour {} de {}"},
    {"cannot write the PDF: {}", "impossible d'écrire le PDF : {}"},
    {"no directory {} to write to", "aucun répertoire {} où écrire"},
    {"missing the week number after \"{}\", e.g. {}",
     "il manque le numéro de semaine après « {} », par exemple {}"},
    {"missing the bi-week number after \"{}\", e.g. {}",
     "il manque le numéro de quinzaine après « {} », par exemple {}"},
    {"missing the quarter number after \"{}\", e.g. {}",
     "il manque le numéro de trimestre après « {} », par exemple {}"},
    {"missing the half-year number after \"{}\", e.g. {}",
     "il manque le numéro de semestre après « {} », par exemple {}"},

    // ---- Programs: names, kinds, cycles ----
    {"No parameter '{}' found.", "Aucun paramètre '{}' trouvé."},
    {"No parameters {} found.", "Aucun des paramètres {} trouvé."},
    {"cycle between formulas: {}", "cycle entre les formules : {}"},
    {"'{}' is a boolean: it cannot be summed over periods or facilities",
     "'{}' est un booléen : on ne peut pas le sommer sur des périodes ou des formations"},
    {"invoice column '{}' of package {} is not an input, window, table output or activity formula",
     "la colonne de facture '{}' du paquet {} n'est ni une entrée, ni une fenêtre, ni une sortie "
     "de table, ni une formule d'activité"},
    {"the invoice amount '{}' of package {} is not one of its columns",
     "le montant de facture '{}' du paquet {} n'est pas une de ses colonnes"},
    {"'{}' shown on the invoice of package {} is not a package formula",
     "'{}' affiché sur la facture du paquet {} n'est pas une formule de paquet"},
    {"the invoice line '{}' of payment {} names '{}', which is not one of its formulas",
     "la ligne de facture '{}' du paiement {} nomme '{}', qui n'est pas une de ses formules"},
    {"payment {} pays package '{}', which the program does not define",
     "le paiement {} paie le paquet '{}', que le programme ne définit pas"},
    {"payment {} is monthly and cannot pay the quarterly package {}",
     "le paiement {} est mensuel et ne peut pas payer le paquet trimestriel {}"},
    {"no such payment rule", "règle de paiement introuvable"},
    {"no row gives '{}' for activity '{}' of package {}",
     "aucune ligne ne donne '{}' pour l'activité '{}' du paquet {}"},
    {"no row gives '{}' for activity '{}'", "aucune ligne ne donne '{}' pour l'activité '{}'"},

    // ---- Formulas ----
    {"the formula is empty", "la formule est vide"},
    {"Unbalanced parenthesis", "Parenthèses déséquilibrées"},
    {"unexpected character '{}'", "caractère inattendu '{}'"},
    {"unexpected '{}'", "'{}' inattendu"},
    {"the formula ends too early", "la formule s'arrête trop tôt"},
    {"the formula is nested too deeply", "la formule est trop imbriquée"},
    {"expected ':' of the '?' at column {}", "il manque le ':' du '?' de la colonne {}"},
    {"expected ':'", "il manque ':'"},
    {"expected ',' or ')' but found '{}'", "',' ou ')' attendu, mais '{}' trouvé"},
    {"the number {} is too large", "le nombre {} est trop grand"},
    {"empty parentheses", "parenthèses vides"},
    {"a value is missing before ')'", "il manque une valeur avant ')'"},
    {"a text is not closed", "un texte n'est pas fermé"},
    {"Undefined function {}", "Fonction inconnue {}"},
    {"{} takes {}, not {}", "{} prend {}, pas {}"},
    {"at least {}", "au moins {}"},
    {"{} or {} arguments", "{} ou {} arguments"},
    {"{}, column {}", "{}, colonne {}"},
    {"expected a number in {}, but {} is {}", "un nombre est attendu dans {}, mais {} est {}"},
    {"expected a boolean for {}, but {} is {} (compare it: x == 1)",
     "un booléen est attendu pour {}, mais {} est {} (comparez-le : x == 1)"},
    {"{} expects numbers, but argument {} is {} ({})",
     "{} attend des nombres, mais l'argument {} est {} ({})"},
    {"the two results of {} cannot be texts",
     "les deux résultats de {} ne peuvent être des textes"},
    {"the two results of {} must be of the same kind, not {} and {}",
     "les deux résultats de {} doivent être de même sorte, pas {} et {}"},
    {"cannot compare {} with {}", "impossible de comparer {} avec {}"},
    {"a number", "un nombre", true},
    {"a boolean", "un booléen", true},
    {"a text", "un texte", true},
    {"a list", "une liste", true},
    {"Error for IF-function, Expected {} to be a boolean expression.",
     "Erreur de la fonction IF : {} doit être une expression booléenne."},
    {"Error for IF-function, Expected '{}' to be a boolean expression.",
     "Erreur de la fonction IF : '{}' doit être une expression booléenne."},
    {"{} needs at least {} value{}, got {}", "{} demande au moins {} valeur{}, reçu {}"},
    {"EVAL_ARRAY expects numbers for '{}', got {}",
     "EVAL_ARRAY attend des nombres pour '{}', reçu {}"},
    {"Error for evalArray-function, Expected '{}' and '{}' to have same size of values ({} and "
     "{})",
     "Erreur de la fonction EVAL_ARRAY : '{}' et '{}' doivent avoir autant de valeurs ({} et {})"},
    {"EVAL_ARRAY's formula uses '{}'; it only knows '{}' and '{}'",
     "la formule d'EVAL_ARRAY utilise '{}' ; elle ne connaît que '{}' et '{}'"},
    {"in EVAL_ARRAY's formula: {}", "dans la formule d'EVAL_ARRAY : {}"},
    {"in EVAL_ARRAY's formula '{}': {} ({})", "dans la formule d'EVAL_ARRAY '{}' : {} ({})"},
    {"EVAL_ARRAY's formula must give numbers", "la formule d'EVAL_ARRAY doit donner des nombres"},
    {"EVAL_ARRAY's argument {} must be a text in quotes",
     "l'argument {} d'EVAL_ARRAY doit être un texte entre guillemets"},
    {"a formula must give a number or a boolean, not {} (sum or pick the list's values: SUM(...), "
     "ACCESS(...))",
     "une formule doit donner un nombre ou un booléen, pas {} (sommez ou choisissez les valeurs "
     "de la liste : SUM(...), ACCESS(...))"},
    {"SQRT of a negative number ({})", "SQRT d'un nombre négatif ({})"},
    {"ACCESS index {} is outside 0..{}", "l'indice {} d'ACCESS est hors de 0..{}"},
    {"Divide by zero", "Division par zéro"},

    // ---- FBR: programs against the database ----
    {"{} problems in the program, nothing stored:",
     "{} problèmes dans le programme, rien n'est "
     "enregistré :"},
    {"1 problem in the program, nothing stored:",
     "1 problème dans le programme, rien n'est enregistré :"},
    {"program {} version {} has problems:", "le programme {} version {} a des problèmes :"},
    {"no program {} in the database (keneya program load DIRECTORY)",
     "aucun programme {} dans la base (keneya program load RÉPERTOIRE)"},
    {"program {} has no version {}", "le programme {} n'a pas de version {}"},
    {"version {} of program {} is not valid on {} (valid from {} to {})",
     "la version {} du programme {} n'est pas valable le {} (valable du {} au {})"},
    {"version {} of program {} is not valid on {} (valid from {})",
     "la version {} du programme {} n'est pas valable le {} (valable à partir du {})"},
    {"no version of program {} is valid on {}",
     "aucune version du programme {} n'est valide le {}"},
    {"program {} has no payment rule", "le programme {} n'a pas de règle de paiement"},
    {"program {} has no payment rule '{}'", "le programme {} n'a pas de règle de paiement '{}'"},
    {"the program has no payment rule", "le programme n'a pas de règle de paiement"},
    {"in:activity: no activity '{}' in the program",
     "in:activity : aucune activité '{}' dans le programme"},
    {"in:facility_type: unknown facility type '{}' (CSCOM, CSREF, EPH, MATERNITE, CCS, "
     "CLINIQUE_PRIVEE...)",
     "in:facility_type : type de formation inconnu '{}' (CSCOM, CSREF, EPH, MATERNITE, CCS, "
     "CLINIQUE_PRIVEE...)"},
    {"{}: no org unit '{}' in the database (code or uid)",
     "{} : aucune unité d'organisation '{}' dans la base (code ou uid)"},
    {"{}: '{}' is not a district (level {})", "{} : '{}' n'est pas un district (niveau {})"},
    {"{}: '{}' is not a region (level {})", "{} : '{}' n'est pas une région (niveau {})"},
    {"in:facility: no org unit '{}' in the database",
     "in:facility : aucune unité d'organisation '{}' dans la base"},
    {"in:equity: no equity category '{}' in group set {}",
     "in:equity : aucune catégorie d'équité '{}' dans l'ensemble de groupes {}"},
    {"in:equity: no equity category '{}'", "in:equity : aucune catégorie d'équité '{}'"},
    {"activity {}: no data element '{}' in the database (code or uid)",
     "activité {} : aucun élément de données '{}' dans la base (code ou uid)"},
    {"activity {}: unknown facility type '{}' (CSCOM, CSREF, EPH, MATERNITE, CCS...)",
     "activité {} : type de formation inconnu '{}' (CSCOM, CSREF, EPH, MATERNITE, CCS...)"},
    {"package {}, input {}: no state '{}' ({})", "paquet {}, entrée {} : aucune étape '{}' ({})"},
    {"package {}, input {}: no category option combo '{}' in the database",
     "paquet {}, entrée {} : aucune combinaison d'options '{}' dans la base"},
    {"package {}: no org unit group '{}'", "paquet {} : aucun groupe d'unités d'organisation '{}'"},
    {"package {}: unknown facility type '{}'", "paquet {} : type de formation inconnu '{}'"},
    {"dhis2: no data element '{}' in the database to export to",
     "dhis2 : aucun élément de données '{}' dans la base vers lequel exporter"},
    {"[program] equity_group_set: no org unit group set '{}'",
     "[program] equity_group_set : aucun ensemble de groupes '{}'"},
    {"no equity category '{}' in {} ({})", "aucune catégorie d'équité '{}' dans {} ({})"},
    {"no equity category '{}' (no such org unit group)",
     "aucune catégorie d'équité '{}' (ce groupe n'existe pas)"},

    // ---- FBR: runs, simulations, explanations, exports ----
    {"the program has no constant '{}' ({})", "le programme n'a pas de constante '{}' ({})"},
    {"envelope: {} is not a quarter, and payment {} is paid by quarter",
     "enveloppe : {} n'est pas un trimestre, et le paiement {} est trimestriel"},
    {"envelope: {} is not a month, and payment {} is paid by month",
     "enveloppe : {} n'est pas un mois, et le paiement {} est mensuel"},
    {"the decision tables have no row for:", "les tables de décision n'ont pas de ligne pour :"},
    {"  {} ({} facilities, first {})", "  {} ({} formations, la première : {})"},
    {"  {} (1 facility, first {})", "  {} (1 formation : {})"},
    {"  ... and {} more", "  ... et {} de plus"},
    {"{} values could not be computed:", "{} valeurs n'ont pas pu être calculées :"},
    {"1 value could not be computed:", "1 valeur n'a pas pu être calculée :"},
    {"{} is not a finite number", "{} n'est pas un nombre fini"},
    {"no decision table gives '{}'", "aucune table de décision ne donne '{}'"},
    {"no row of the tables giving '{}' is for '{}' (an activity, equity category, type or zone)",
     "aucune ligne des tables qui donnent '{}' ne concerne '{}' (une activité, catégorie "
     "d'équité, type ou zone)"},
    {"no facility under contract in district '{}' (envelopes are by district code, such as {})",
     "aucune formation sous contrat dans le district '{}' (les enveloppes sont par code de "
     "district, par exemple {})"},
    {"no facility under contract in region '{}' (envelopes are by region code, such as {})",
     "aucune formation sous contrat dans la région '{}' (les enveloppes sont par code de région, "
     "par exemple {})"},
    {"payment {} is monthly: {} is not a month",
     "le paiement {} est mensuel : {} n'est pas un mois"},
    {"payment {} is quarterly: {} is not a quarter",
     "le paiement {} est trimestriel : {} n'est pas un trimestre"},
    {"the payment rule has no formula", "la règle de paiement n'a pas de formule"},
    {"payment {} has no formula '{}' ({}); did you mean {}?",
     "le paiement {} n'a pas de formule '{}' ({}) ; vouliez-vous dire {} ?"},
    {"payment {} has no formula '{}' ({}; or package.formula)",
     "le paiement {} n'a pas de formule '{}' ({} ; ou paquet.formule)"},
    {"no package '{}' ({})", "aucun paquet '{}' ({})"},
    {"package {} has no values for {} in this run ({})",
     "le paquet {} n'a pas de valeurs pour {} dans ce lot ({})"},
    {"package {} has no value '{}'", "le paquet {} n'a pas de valeur '{}'"},
    {"'{}' is a value per activity: give --activity ({})",
     "'{}' est une valeur par activité : donnez --activity ({})"},
    {"package {} has no activity '{}' ({})", "le paquet {} n'a pas d'activité '{}' ({})"},
    {"activity {} is not paid to {} facilities (only {})",
     "l'activité {} n'est pas payée aux formations {} (seulement {})"},
    {"unknown format '{}' (csv, xlsx, pdf, dhis2)", "format inconnu '{}' (csv, xlsx, pdf, dhis2)"},
    {"data elements the program exports to are not in the database: {}",
     "des éléments de données vers lesquels le programme exporte ne sont pas dans la base : {}"},
    {"the program maps no result to DHIS2 (dhis2 = \"...\" on package or payment formulas, "
     "dhis2_total on the payment rule)",
     "le programme n'associe aucun résultat à DHIS2 (dhis2 = \"...\" sur les formules de paquet "
     "ou de paiement, dhis2_total sur la règle de paiement)"},
    {"run {} has no invoice: nothing to export", "le lot {} n'a aucune facture : rien à exporter"},
    {"run {} is superseded: its results are not sent to DHIS2; export the current run",
     "le lot {} est remplacé : ses résultats ne sont pas envoyés à DHIS2 ; exportez le lot en "
     "vigueur"},
    {"run {} is superseded: export the current run, or give --superseded to archive this one "
     "(marked as not to be paid)",
     "le lot {} est remplacé : exportez le lot en vigueur, ou donnez --superseded pour archiver "
     "celui-ci (marqué « ne pas payer »)"},
    {"cannot create the workbook", "impossible de créer le classeur"},
    {"cannot write the workbook: {}", "impossible d'écrire le classeur : {}"},
};

// A template cut at its {}: the literal pieces between them (one more than the {}).
struct Compiled {
  std::vector<std::string_view> en;  // pieces
  std::vector<std::string_view> fr;
  size_t literal = 0;  // characters of the English pieces: the more, the more specific
  bool inside = false;
};

std::vector<std::string_view> Pieces(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t at = text.find("{}"); at != std::string_view::npos; at = text.find("{}", start)) {
    pieces.push_back(text.substr(start, at - start));
    start = at + 2;
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

const std::vector<Compiled>& Catalogue() {
  static const std::vector<Compiled> catalogue = [] {
    std::vector<Compiled> out;
    for (const Entry& e : kFrench) {
      Compiled c{Pieces(e.en), Pieces(e.fr), 0, e.inside};
      for (std::string_view p : c.en) c.literal += p.size();
      out.push_back(std::move(c));
    }
    return out;
  }();
  return catalogue;
}

// Matches `text` against a template's pieces; fills the values of its {}.
bool Match(std::string_view text, const std::vector<std::string_view>& pieces,
           std::vector<std::string_view>& values) {
  values.clear();
  if (!text.starts_with(pieces.front())) return false;
  if (pieces.size() == 1) return text.size() == pieces.front().size();
  size_t at = pieces.front().size();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    // The piece after a value is the first one found (a value may be empty: '' in a cell).
    const size_t found = text.find(pieces[i], at);
    if (found == std::string_view::npos) return false;
    values.push_back(text.substr(at, found - at));
    at = found + pieces[i].size();
  }
  const std::string_view last = pieces.back();
  if (text.size() < at + last.size() || !text.ends_with(last)) return false;
  values.push_back(text.substr(at, text.size() - last.size() - at));
  return true;
}

// A translation and how much of the English it recognised (characters of template text).
struct Translation {
  std::string text;
  size_t score = 0;
};

// The French of `text` by the template that recognises the most of it, values included.
std::optional<Translation> ByTemplate(std::string_view text, int depth) {
  std::optional<Translation> best;
  std::vector<std::string_view> values;
  for (const Compiled& c : Catalogue()) {
    // Inside a message: phrases with values, and Keneya's own words.
    if (depth > 0 && (c.en.size() == 1 ? !c.inside : c.literal < 6)) continue;
    if (!Match(text, c.en, values)) continue;
    Translation t{std::string(c.fr.front()), c.literal};
    for (size_t i = 0; i < values.size(); ++i) {
      std::optional<Translation> value;
      if (depth < 2) value = ByTemplate(values[i], depth + 1);
      t.text += value ? value->text : std::string(values[i]);
      t.score += value ? value->score : 0;
      t.text += c.fr[i + 1];
    }
    if (!best || t.score > best->score) best = std::move(t);
  }
  return best;
}

// A line is a message ("cycle between formulas: a -> b -> a"), or a place and a message
// ("tarifs.csv:3: column 2 is empty...", "quantite.ecart, column 9: Unbalanced parenthesis"):
// the reading that recognises the most wins.
std::optional<Translation> LocalizeLine(std::string_view line) {
  std::optional<Translation> best = ByTemplate(line, 0);
  for (size_t colon = line.find(": "); colon != std::string_view::npos;
       colon = line.find(": ", colon + 2)) {
    const std::string_view where = line.substr(0, colon);
    const std::optional<Translation> message = LocalizeLine(line.substr(colon + 2));
    if (!message) continue;
    const std::optional<Translation> place = ByTemplate(where, 1);
    // The ": " between a place and its message counts: it is recognised too.
    Translation t{(place ? place->text : std::string(where)) + " : " + message->text,
                  message->score + (place ? place->score : 0) + 1};
    if (!best || t.score > best->score) best = std::move(t);
  }
  return best;
}

}  // namespace

std::string Localize(std::string_view message, Language language) {
  if (language != Language::kFrench) return std::string(message);
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t end = message.find('\n', start);
    const std::string_view line = message.substr(start, end - start);
    const std::optional<Translation> localized = LocalizeLine(line);
    out += localized ? localized->text : std::string(line);
    if (end == std::string_view::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> FrenchCatalogue() {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (const Entry& e : kFrench) out.emplace_back(e.en, e.fr);
  return out;
}

}  // namespace keneya::core
