"""How API clients sign in: a token first, so a client without valid credentials gets 401 with
"WWW-Authenticate: Token"; the session for the pages' own scripts."""
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

AUTH = [TokenAuthentication, SessionAuthentication]
