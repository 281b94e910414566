"""Page texts per locale."""

TEXTS = {
    "de": {
        "confirm_title": "Anmeldung bestätigen",
        "confirm_intro": "Bitte bestätigen Sie Ihre Anmeldung mit einem Klick auf die Schaltfläche.",
        "confirm_button": "Jetzt bestätigen",
        "confirmed_title": "Anmeldung bestätigt",
        "confirmed_intro": "Vielen Dank, Ihre Anmeldung ist bestätigt.",
        "expired_title": "Link abgelaufen",
        "expired_intro": "Dieser Bestätigungslink ist abgelaufen oder wurde durch einen neueren ersetzt. "
        "Fordern Sie hier einen neuen Link an:",
        "invalid_title": "Ungültiger Link",
        "invalid_intro": "Dieser Bestätigungslink ist ungültig. Bitte melden Sie sich erneut auf der Seite an, "
        "auf der Sie sich registriert haben.",
        "email_label": "E-Mail",
        "resend_button": "Neuen Link anfordern",
        "unsubscribe_subscribed_title": "E-Mails abbestellen",
        "unsubscribe_subscribed_intro": "Möchten Sie keine E-Mails mehr von uns erhalten? "
        "Mit einem Klick auf die Schaltfläche melden Sie sich ab.",
        "unsubscribe_button": "Abmelden",
        "unsubscribe_unsubscribed_title": "Abgemeldet",
        "unsubscribe_unsubscribed_intro": "Sie sind abgemeldet und erhalten keine E-Mails mehr von uns.",
        "unsubscribe_invalid_title": "Ungültiger Link",
        "unsubscribe_invalid_intro": "Dieser Abmeldelink ist ungültig. Bitte verwenden Sie den Link aus "
        "einer unserer E-Mails.",
    },
    "en": {
        "confirm_title": "Confirm your subscription",
        "confirm_intro": "Please confirm your sign-up by pressing the button.",
        "confirm_button": "Confirm now",
        "confirmed_title": "Subscription confirmed",
        "confirmed_intro": "Thank you, your sign-up is confirmed.",
        "expired_title": "Link expired",
        "expired_intro": "This confirmation link has expired or was replaced by a newer one. Request a new link here:",
        "invalid_title": "Invalid link",
        "invalid_intro": "This confirmation link is not valid. Please sign up again on the page where you registered.",
        "email_label": "Email",
        "resend_button": "Send me a new link",
        "unsubscribe_subscribed_title": "Unsubscribe",
        "unsubscribe_subscribed_intro": "Don't want our emails any more? Press the button to unsubscribe.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribe_unsubscribed_title": "Unsubscribed",
        "unsubscribe_unsubscribed_intro": "You are unsubscribed and will receive no more emails from us.",
        "unsubscribe_invalid_title": "Invalid link",
        "unsubscribe_invalid_intro": "This unsubscribe link is not valid. Please use the link in one of our emails.",
    },
}
