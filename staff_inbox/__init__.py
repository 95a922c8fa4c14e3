"""The staff inbox: a signed-in web app where the team reads, acknowledges and works every intake,
crisis alert and callback request (docs/staff.md). No Rasa imports."""
