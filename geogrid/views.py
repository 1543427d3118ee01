from django.shortcuts import render

# Apps add entries here ((label, url name or path, roles or None for everyone signed in)).
HOME_LINKS = []


def home(request):
    links = []
    if request.user.is_authenticated:
        for label, url, roles in HOME_LINKS:
            if roles is None or request.user.has_role(*roles):
                links.append({"label": label, "url": url})
    return render(request, "home.html", {"links": links})
