"""Custom Rasa input channels for Twilio WhatsApp, SMS and Voice live here (imported by the Rasa
process, so code here must run in both environments). Until they land, bot/credentials.yml enables
only Rasa's REST channel, which the tests and the README's examples use."""
