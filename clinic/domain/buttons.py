"""The buttons that lead to another topic or flow, defined once for every action that offers them.

Each payload is an intent ("/name"), so a click never goes through NLU. Buttons that answer a
question (Yes / No, the safety check) stay with the question that asks it.
"""

BOOK = {"title": "Book a consultation", "payload": "/book_consultation"}
TALK_TO_HUMAN = {"title": "Talk to a person", "payload": "/talk_to_human"}
KAP = {"title": "About KAP", "payload": "/ask_kap_what_is"}
THERAPY = {"title": "About psychotherapy", "payload": "/ask_psychotherapy_what_is"}
CONTACT = {"title": "Contact details", "payload": "/ask_contact"}
FEES = {"title": "Fees", "payload": "/ask_fees"}
INSURANCE = {"title": "Insurance", "payload": "/ask_insurance"}
HOURS = {"title": "Office hours", "payload": "/ask_hours"}
LOCATION = {"title": "Location", "payload": "/ask_location"}
TELEHEALTH = {"title": "Telehealth", "payload": "/ask_telehealth"}
SERVICE_AREA = {"title": "States we serve", "payload": "/ask_service_area"}
FIRST_SESSION = {"title": "First session", "payload": "/ask_first_session"}
# After a submitted intake the same topic reads as the next step in time.
THE_FIRST_SESSION = {"title": "The first session", "payload": "/ask_first_session"}
KAP_COURSE = {"title": "How a course runs", "payload": "/ask_kap_process"}
KAP_VS_OTHER = {"title": "KAP vs. Spravato", "payload": "/ask_kap_vs_other_ketamine"}
KAP_ROUTE = {"title": "How ketamine is given", "payload": "/ask_kap_administration"}
KAP_MEDICATIONS = {"title": "My medications", "payload": "/ask_kap_medications"}
KAP_SAFETY = {"title": "Safety and side effects", "payload": "/ask_kap_safety"}
SOMETHING_ELSE = {"title": "Something else", "payload": "/ask_capabilities"}
# "None of these" under the did-you-mean options: a deny, which leads to the second fallback stage.
NONE_OF_THESE = {"title": "Something else", "payload": "/deny"}
CONTINUE_INTAKE = {"title": "Continue the intake", "payload": "/resume_intake"}
START_NEW_INTAKE = {"title": "Start a new intake", "payload": "/book_consultation"}
