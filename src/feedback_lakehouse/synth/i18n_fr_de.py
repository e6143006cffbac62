"""French and German phrasing for the most common issues: ``symptoms || contexts``, each
``|``-separated; written as natural sentences, not word-by-word translations."""

from __future__ import annotations

FR = {
    "AUTH-SESSION-EXPIRY": "Lumen me déconnecte sans arrêt | ma session expire toutes les"
    " cinq minutes | je dois me reconnecter deux fois avant que la page se charge"
    " || ça a commencé après la dernière mise à jour | on est sur {ver} avec {browser}",
    "AUTH-SSO-SAML-ERROR": "la connexion SSO échoue avec l'erreur ERR_SSO_4012 | impossible"
    " de se connecter via notre fournisseur d'identité | le SSO nous renvoie une erreur au lieu"
    " de nous connecter || le certificat de l'IdP a été renouvelé la semaine dernière"
    " | toute l'équipe est concernée",
    "AUTH-MFA-CODE-REJECTED": "mon code de double authentification est toujours refusé"
    " | le code de l'application est marqué comme invalide | je n'arrive pas à passer l'étape"
    " MFA || l'heure du téléphone est bien synchronisée | au bout de trois essais le compte"
    " est bloqué",
    "INGEST-SYNC-DELAY": "nos synchronisations ont plusieurs heures de retard | le connecteur"
    " reste bloqué sur « en cours » | les tableaux de bord affichent les chiffres d'hier"
    " || la page de statut indique « en file d'attente » | nous n'avons rien changé de notre"
    " côté",
    "INGEST-CSV-ENCODING": "les accents sont cassés après l'import CSV | les caractères"
    " spéciaux deviennent des points d'interrogation | « Hélène » devient « HÃ©lÃ¨ne » dans"
    " Lumen || le fichier est bien en UTF-8 | l'aperçu est correct, pas le résultat",
    "DASH-SLOW-LOAD": "les tableaux de bord sont extrêmement lents | il faut plus de 30"
    " secondes pour charger un tableau de bord | les widgets tournent dans le vide"
    " || notre tableau principal a {n} widgets | c'est pire le lundi matin",
    "DASH-FILTER-RESET": "les filtres se réinitialisent quand je change d'onglet | mes filtres"
    " disparaissent à chaque rechargement | la période revient toujours à « 7 derniers jours »"
    " || ça arrive depuis {when_fr} | même les filtres épinglés sont perdus",
    "DASH-TIMEZONE-MISMATCH": "les graphiques sont en UTC au lieu de notre fuseau horaire"
    " | les heures sont décalées de deux heures | les totaux journaliers ne correspondent pas"
    " || l'espace de travail est réglé sur Europe/Paris | l'export, lui, a les bonnes heures",
    "API-RATE-LIMIT-429": "l'API renvoie sans cesse des erreurs 429 | nous sommes limités bien"
    " en dessous du quota documenté | notre intégration est bridée en permanence"
    " || nous envoyons environ {n} requêtes par minute | c'est sur l'API v3",
    "MOBILE-IOS-CRASH-LAUNCH": "l'application iOS plante dès l'ouverture | l'appli se ferme"
    " juste après l'écran de démarrage | impossible d'ouvrir Lumen sur mon iPhone"
    " || iPhone sous {os}, version {ver} | la réinstallation n'a rien changé",
    "MOBILE-LOGIN-LOOP": "l'application mobile tourne en boucle sur la connexion | après Face"
    " ID je reviens à l'écran de connexion | la connexion sur mobile n'aboutit jamais"
    " || {device} avec {os} | ça marche sur le web",
    "REPORT-SCHEDULE-MISSED": "nos rapports planifiés ne sont pas partis | le rapport"
    " hebdomadaire n'est jamais arrivé | personne n'a reçu le PDF ce matin"
    " || l'historique indique « erreur de livraison » | les autres planifications ont"
    " fonctionné",
    "REPORT-PDF-LAYOUT": "l'export PDF coupe les tableaux larges | les colonnes de droite"
    " manquent dans le PDF | les graphiques se chevauchent dans le PDF exporté"
    " || le tableau a {n} colonnes | l'aperçu dans le navigateur est correct",
    "BILLING-DOUBLE-CHARGE": "nous avons été débités deux fois ce mois-ci | la facture a été"
    " payée deux fois | notre carte montre un double prélèvement || les deux montants sont"
    " identiques | notre service comptable l'a remarqué",
    "BILLING-INVOICE-VAT": "notre numéro de TVA n'apparaît pas sur la facture | la mention"
    " d'autoliquidation manque | la facture comporte la TVA alors que nous sommes assujettis"
    " || le numéro est bien saisi dans les paramètres | notre comptabilité refuse la facture",
}

DE = {
    "AUTH-SESSION-EXPIRY": "Lumen meldet mich ständig ab | meine Sitzung läuft alle paar"
    " Minuten ab | ich muss mich zweimal anmelden, bevor etwas lädt || das passiert seit dem"
    " letzten Update | wir nutzen {ver} mit {browser}",
    "AUTH-SSO-SAML-ERROR": "die SSO-Anmeldung schlägt mit ERR_SSO_4012 fehl | wir kommen über"
    " unseren Identity Provider nicht mehr rein | SAML-Login funktioniert nicht mehr"
    " || das IdP-Zertifikat wurde letzte Woche erneuert | es betrifft das ganze Unternehmen",
    "AUTH-MFA-CODE-REJECTED": "mein MFA-Code wird jedes Mal abgelehnt | der Code aus der"
    " Authenticator-App ist angeblich ungültig | ich komme nicht über die Zwei-Faktor-Abfrage"
    " hinaus || die Uhrzeit auf dem Handy stimmt | nach drei Versuchen ist das Konto gesperrt",
    "INGEST-SYNC-DELAY": "unsere Datensynchronisation hängt Stunden hinterher | der Connector"
    " steht dauerhaft auf „wird synchronisiert“ | die Dashboards zeigen die Zahlen von gestern"
    " || auf der Statusseite steht „in Warteschlange“ | bei uns hat sich nichts geändert",
    "INGEST-CSV-ENCODING": "beim CSV-Import gehen die Umlaute kaputt | aus „Müller“ wird"
    " „MÃ¼ller“ | Sonderzeichen werden beim Hochladen zerstört || die Datei ist UTF-8"
    " kodiert | in der Vorschau sieht alles richtig aus",
    "DASH-SLOW-LOAD": "die Dashboards sind extrem langsam | ein Dashboard braucht über 30"
    " Sekunden zum Laden | die Widgets drehen sich ewig || unser Haupt-Dashboard hat {n}"
    " Widgets | montags früh ist es am schlimmsten",
    "DASH-FILTER-RESET": "die Filter werden beim Tab-Wechsel zurückgesetzt | meine Filter"
    " sind nach dem Neuladen weg | der Zeitraum springt immer auf „letzte 7 Tage“ zurück"
    " || seit {when_de} | auch angeheftete Filter gehen verloren",
    "DASH-TIMEZONE-MISMATCH": "die Diagramme zeigen UTC statt unserer Zeitzone | die"
    " Stundenwerte sind um zwei Stunden verschoben | die Tagessummen stimmen nicht"
    " || der Workspace steht auf Europe/Berlin | im Export sind die Zeiten korrekt",
    "API-RATE-LIMIT-429": "die API liefert ständig 429 Too Many Requests | wir werden weit"
    " unter dem dokumentierten Limit gedrosselt | unsere Integration wird dauernd ausgebremst"
    " || wir senden etwa {n} Anfragen pro Minute | es geht um die v3-API",
    "MOBILE-IOS-CRASH-LAUNCH": "die iOS-App stürzt direkt beim Start ab | die App schließt"
    " sich nach dem Startbildschirm | Lumen lässt sich auf dem iPhone nicht mehr öffnen"
    " || iPhone mit {os}, App-Version {ver} | Neuinstallation hat nicht geholfen",
    "MOBILE-LOGIN-LOOP": "die mobile App hängt in einer Login-Schleife | nach Face ID lande"
    " ich wieder auf dem Anmeldebildschirm | die Anmeldung in der App wird nie abgeschlossen"
    " || {device} mit {os} | im Browser funktioniert es",
    "REPORT-SCHEDULE-MISSED": "unsere geplanten Berichte wurden nicht verschickt | der"
    " Wochenbericht ist nie angekommen | heute früh hat niemand das PDF bekommen"
    " || im Verlauf steht „Zustellfehler“ | andere Zeitpläne liefen normal",
    "REPORT-PDF-LAYOUT": "der PDF-Export schneidet breite Tabellen ab | im PDF fehlen die"
    " rechten Spalten | Diagramme überlappen sich im exportierten PDF || die Tabelle hat {n}"
    " Spalten | in der Browser-Vorschau passt alles",
    "BILLING-DOUBLE-CHARGE": "uns wurde diesen Monat doppelt abgebucht | die Rechnung wurde"
    " zweimal bezahlt | auf der Kreditkarte steht dieselbe Zahlung zweimal || beide Beträge"
    " sind identisch | unsere Buchhaltung hat es bemerkt",
    "BILLING-INVOICE-VAT": "unsere USt-IdNr. fehlt auf der Rechnung | der Hinweis auf das"
    " Reverse-Charge-Verfahren fehlt | die Rechnung enthält Umsatzsteuer, obwohl wir"
    " registriert sind || die Nummer ist in den Einstellungen hinterlegt | unsere Buchhaltung"
    " lehnt die Rechnung ab",
}
