"""Slots of a conversation that the channels read as well as the actions that set them."""

# A field agent's name once the sender is found to be one ("" for anyone else): their forms file
# for a citizen (actions/doorstep.py), and a new call of theirs starts afresh (channels/twilio_voice.py).
DOORSTEP_AGENT = "doorstep_agent"
