"""The page every app shows when the scope rule or a role refuses a user."""
from django.shortcuts import render


def refuse(request, message, status=403):
    return render(request, "refused.html", {"message": message}, status=status)
