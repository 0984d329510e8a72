"""Sizes the channels, the bot, the actions and the backend must agree on."""

# What a person writes as one answer (a command, a grievance's description, a comment): longer is
# a paste, which the NLU sets aside unread (bot/cross_script_tokenizer.py) and the backend refuses.
MAX_TEXT_CHARS = 1000
# One answer to a form's question (a name, a ward, a size); a complaint's problem is guessed from the
# first this many characters of a longer message.
MAX_ANSWER_CHARS = 200
# The questions one service's form may ask (backend/services/catalog.py refuses a longer form).
MAX_FORM_FIELDS = 30
# A channel's name as stored with cases and inbound messages (backend/models.py: String(16)).
MAX_CHANNEL_NAME_CHARS = 16
# One outgoing message body on WhatsApp (Twilio's limit); SMS is split by channels/sms_text.py.
MAX_MESSAGE_BODY_CHARS = 4096
