"""The words of the built-in templates, Swedish and English, as blocks for ``build.py``.

Blocks: ``("title", text)``, ``("subtitle", text)``, ``("h1"|"h2"|"h3", text)``, ``("p", text)``,
``("guide", text)`` (short guidance in grey italics), ``("bullet", text)``, ``("answer",)`` (an
empty paragraph to write in), ``("info", [(label, text), ...])`` (a two-column table),
``("fields", [tag, ...])`` (form table of controls), ``("field", tag, guidance)`` (heading, guidance
and a rich-text control), ``("check", tag)`` (a checkbox with its title), ``("question", text,
guidance)``. ``{{ name }}`` marks a placeholder (see plugin/documents/placeholders.py).
"""
from __future__ import annotations

Block = tuple[object, ...]

HEADER = {
    "sv": "Konfidentiellt – innehåller personuppgifter",
    "en": "Confidential – contains personal data",
}
PAGE = {"sv": ("Sida", "av"), "en": ("Page", "of")}
PLACEHOLDER = {"sv": "Skriv här.", "en": "Type here."}
DATE_PLACEHOLDER = {"sv": "Välj datum.", "en": "Choose a date."}

PREP_GUIDE: dict[str, list[Block]] = {
    "sv": [
        ("title", "Förberedelse inför medarbetarsamtalet"),
        ("subtitle", "{{ campaign_title }}"),
        ("info", [("Medarbetare", "{{ employee_name }}"), ("Chef", "{{ manager_name }}"),
                  ("Institution/avdelning", "{{ department }}"), ("Tid för samtalet", "{{ meeting_time }}")]),
        ("p", "Medarbetarsamtalet är ett återkommande, förberett samtal mellan dig och din närmaste "
              "chef. Ni ser tillbaka på året som gått, pratar om hur du har det i arbetet och kommer "
              "överens om mål och en individuell utvecklingsplan för det kommande året."),
        ("p", "Frågorna nedan är till för dig. Skriv gärna stödord under varje fråga. Dokumentet är "
              "ditt eget: du bestämmer vad du vill ta upp, och det skickas inte vidare."),
        ("h1", "Förra årets mål och utvecklingsplan"),
        ("h2", "Mål från förra året"),
        ("p", "{{ previous_goals }}"),
        ("h2", "Utvecklingsplan från förra året"),
        ("p", "{{ previous_development_plan }}"),
        ("question", "Hur har det gått med målen och utvecklingsplanen?",
         "Vad har du uppnått? Vad blev inte av, och varför? Vad hjälpte eller hindrade dig?"),
        ("h1", "Frågor att fundera på"),
        ("question", "Hur bidrar ditt arbete till enhetens mål?",
         "Känner du till enhetens mål för året? Vad behöver du veta mer om för att se hur ditt "
         "arbete passar in?"),
        ("question", "Hur ser dina arbetsuppgifter och din arbetssituation ut?",
         "Tänk på arbetsbelastning, variation och tydlighet. Vilka uppgifter ger dig energi, och "
         "vilka tar energi? Finns det något du vill göra mer eller mindre av?"),
        ("question", "Vilken kompetens behöver du utveckla det kommande året?",
         "Både för dina nuvarande uppgifter och för det enheten behöver framåt: kurser, nya "
         "uppgifter, nätverk, handledning eller mentorskap."),
        ("question", "Vad förväntar ni er av varandra?",
         "Vad förväntar du dig av din chef? Vad tror du att din chef förväntar sig av dig? "
         "Stämmer förväntningarna med hur det är i dag?"),
        ("question", "Hur fungerar samarbetet och ledarskapet?",
         "Samarbetet med kollegor och med din chef. Ge gärna konkret återkoppling på ledarskapet: "
         "vad fungerar bra och vad kan bli bättre?"),
        ("question", "Hur mår du i arbetet?",
         "Den fysiska, organisatoriska och sociala arbetsmiljön, stress och återhämtning, och vad "
         "som kan främja din hälsa. Du väljer själv vad du tar upp; anteckningar om hälsa stannar "
         "i dokumentet och förs aldrig in i något register."),
        ("question", "Vilka mål vill du sätta för det kommande året?",
         "Ett till tre konkreta mål som går att följa upp. Vad behöver du, av dig själv och av "
         "andra, för att nå dem?"),
        ("h1", "Inför samtalet"),
        ("bullet", "Ta med dina anteckningar till samtalet. Du behöver inte skicka dem i förväg."),
        ("bullet", "Efter samtalet fyller ni tillsammans i dokumentationsformuläret, som ligger i "
                   "samma mapp som det här dokumentet."),
        ("bullet", "Vill du flytta samtalet? Svara på kallelsen i Outlook eller kontakta din chef."),
    ],
    "en": [
        ("title", "Preparing for your employee dialogue"),
        ("subtitle", "{{ campaign_title }}"),
        ("info", [("Employee", "{{ employee_name }}"), ("Manager", "{{ manager_name }}"),
                  ("Department", "{{ department }}"), ("Time of the talk", "{{ meeting_time }}")]),
        ("p", "The employee dialogue is a yearly, prepared conversation between you and your "
              "closest manager. You look back on the past year, talk about how your work is going "
              "and agree on goals and an individual development plan for the year ahead."),
        ("p", "The questions below are for you. Jot down a few notes under each one. This document "
              "is yours: you decide what to bring up, and it is not sent anywhere."),
        ("h1", "Last year's goals and development plan"),
        ("h2", "Goals from last year"),
        ("p", "{{ previous_goals }}"),
        ("h2", "Development plan from last year"),
        ("p", "{{ previous_development_plan }}"),
        ("question", "How did the goals and the development plan work out?",
         "What did you achieve? What did not happen, and why? What helped or held you back?"),
        ("h1", "Questions to think about"),
        ("question", "How does your work contribute to the unit's goals?",
         "Do you know the unit's goals for the year? What would you need to know to see how your "
         "work fits in?"),
        ("question", "What are your tasks and your work situation like?",
         "Think about workload, variety and clarity. Which tasks give you energy and which drain "
         "it? Is there anything you would like to do more or less of?"),
        ("question", "Which competences do you need to develop in the coming year?",
         "For your current tasks and for what the unit needs ahead: courses, new tasks, networks, "
         "supervision or mentoring."),
        ("question", "What do you expect of each other?",
         "What do you expect of your manager? What do you think your manager expects of you? Do "
         "the expectations match how things are today?"),
        ("question", "How are cooperation and leadership working?",
         "Cooperation with colleagues and with your manager. Concrete feedback on the leadership "
         "is welcome: what works well and what could be better?"),
        ("question", "How are you doing at work?",
         "The physical, organisational and social work environment, stress and recovery, and what "
         "could promote your health. You choose what to raise; notes on health stay in the "
         "document and are never entered into any register."),
        ("question", "Which goals would you like to set for the coming year?",
         "One to three concrete goals that can be followed up. What do you need, from yourself "
         "and from others, to reach them?"),
        ("h1", "Before the talk"),
        ("bullet", "Bring your notes to the talk. You do not need to send them in advance."),
        ("bullet", "After the talk you fill in the documentation form together; it is in the same "
                   "folder as this document."),
        ("bullet", "Need to move the talk? Reply to the Outlook invitation or contact your manager."),
    ],
}

MANAGER_GUIDE: dict[str, list[Block]] = {
    "sv": [
        ("title", "Chefsstöd för medarbetarsamtal"),
        ("subtitle", "{{ campaign_title }}"),
        ("p", "Till {{ manager_name }}. Du håller {{ team_size }} medarbetarsamtal i den här "
              "omgången. Samtalen är bokade i din kalender, och varje medarbetare har en mapp med "
              "ett förberedelsematerial och ett dokumentationsformulär som bara ni två kommer åt."),
        ("h1", "Syftet med samtalet"),
        ("p", "Medarbetarsamtalet är ett planerat och förberett samtal om medarbetarens arbete, "
              "utveckling och arbetsmiljö. Det ska leda till dokumenterade mål och en individuell "
              "utvecklingsplan, och ge dig en samlad bild av gruppens kapacitet och behov."),
        ("h1", "Före samtalet"),
        ("bullet", "Läs förra årets dokumentation och fundera på hur målen har följts upp."),
        ("bullet", "Gå igenom enhetens mål och vad de betyder för just den här medarbetarens uppgifter."),
        ("bullet", "Fundera på vilken kompetens enheten behöver framåt och vilka möjligheter du kan erbjuda."),
        ("bullet", "Tänk igenom vad du förväntar dig av medarbetaren, och vad du själv kan bli bättre på."),
        ("h1", "Under samtalet"),
        ("bullet", "Låt medarbetaren börja. Det är medarbetarens samtal; lyssna mer än du pratar."),
        ("bullet", "Gå igenom områdena i förberedelsematerialet: förra årets mål, arbetssituationen, "
                   "kompetensutveckling, förväntningar, samarbete och ledarskap, hälsa och arbetsmiljö, "
                   "nya mål."),
        ("bullet", "Be om återkoppling på ditt ledarskap och ta emot den utan att försvara dig."),
        ("bullet", "Samtalet om hälsa är frivilligt för medarbetaren. Fråga, men pressa inte."),
        ("bullet", "Avsluta med konkreta mål och en utvecklingsplan som ni båda står bakom."),
        ("h1", "Dokumentationen"),
        ("bullet", "Fyll i dokumentationsformuläret tillsammans under eller direkt efter samtalet. "
                   "Skriv i formulärets fält; text utanför fälten läses inte in."),
        ("bullet", "När ni båda har kryssat i bekräftelserutorna läses formuläret in och arkiveras i "
                   "HR:s lista."),
        ("bullet", "Anteckningar om hälsa och återkopplingen till dig arkiveras aldrig i listan; de "
                   "stannar i dokumentet."),
        ("h1", "Undvik"),
        ("bullet", "Att blanda ihop medarbetarsamtalet med lönesamtalet."),
        ("bullet", "Att ta upp nya, allvarliga problem för första gången; de hör hemma i ett eget samtal."),
        ("bullet", "Att skriva sådant i formuläret som medarbetaren inte känner igen eller håller med om."),
        ("bullet", "Att lova utveckling som enheten inte kan ge."),
        ("h1", "Gruppens samlade bild"),
        ("p", "När alla samtal är klara: sammanfatta gruppens kapacitet, kompetensbehov och "
              "arbetsmiljö, utan att peka ut enskilda, och ta med det i enhetens planering."),
    ],
    "en": [
        ("title", "Manager's guide to employee dialogues"),
        ("subtitle", "{{ campaign_title }}"),
        ("p", "To {{ manager_name }}. You hold {{ team_size }} employee dialogues in this round. "
              "The talks are booked in your calendar, and every employee has a folder with a "
              "preparation guide and a documentation form that only the two of you can open."),
        ("h1", "What the talk is for"),
        ("p", "The employee dialogue is a planned and prepared conversation about the employee's "
              "work, development and work environment. It ends in documented goals and an "
              "individual development plan, and gives you a picture of your group's capacity and needs."),
        ("h1", "Before the talk"),
        ("bullet", "Read last year's documentation and think about how the goals were followed up."),
        ("bullet", "Go through the unit's goals and what they mean for this employee's tasks."),
        ("bullet", "Consider which competences the unit needs ahead and which opportunities you can offer."),
        ("bullet", "Think about what you expect of the employee, and what you could do better yourself."),
        ("h1", "During the talk"),
        ("bullet", "Let the employee start. It is the employee's talk; listen more than you speak."),
        ("bullet", "Cover the topics of the preparation guide: last year's goals, the work situation, "
                   "competence development, expectations, cooperation and leadership, health and the "
                   "work environment, new goals."),
        ("bullet", "Ask for feedback on your leadership and receive it without defending yourself."),
        ("bullet", "Talking about health is voluntary for the employee. Ask, but do not push."),
        ("bullet", "Finish with concrete goals and a development plan you both stand behind."),
        ("h1", "The documentation"),
        ("bullet", "Fill in the documentation form together during or right after the talk. Write "
                   "in the form's fields; text outside the fields is not read."),
        ("bullet", "Once you have both ticked the confirmation boxes, the form is read and filed in "
                   "HR's list."),
        ("bullet", "Notes on health and the feedback to you are never filed in the list; they stay "
                   "in the document."),
        ("h1", "Avoid"),
        ("bullet", "Mixing the employee dialogue with the salary review."),
        ("bullet", "Raising new, serious problems for the first time; they deserve a talk of their own."),
        ("bullet", "Writing anything in the form that the employee does not recognise or agree with."),
        ("bullet", "Promising development the unit cannot provide."),
        ("h1", "Your group's overall picture"),
        ("p", "When all talks are done, summarise the group's capacity, competence needs and work "
              "environment, without singling anyone out, and bring it into the unit's planning."),
    ],
}

FORM: dict[str, list[Block]] = {
    "sv": [
        ("title", "Dokumentation av medarbetarsamtal"),
        ("subtitle", "{{ campaign_title }}"),
        ("fields", ["employee_name", "manager_name", "meeting_date"]),
        ("guide", "Fyll i formuläret tillsammans under eller direkt efter samtalet. Skriv i de grå "
                  "fälten; text utanför fälten läses inte in. Punktlistor och radbrytningar går bra."),
        ("field", "previous_goals_followup", "Hur har det gått med förra årets mål och utvecklingsplan?"),
        ("field", "goals", "Ett till tre konkreta mål för det kommande året som går att följa upp."),
        ("field", "development_plan", "Vad medarbetaren ska göra för att utvecklas, och med vilket stöd."),
        ("field", "competence_needs", "Medarbetarens och enhetens behov av kompetens framåt."),
        ("field", "expectations", "Vad ni förväntar er av varandra under året."),
        ("h2", "Hälsa och arbetsmiljö"),
        ("guide", "Samtalet om hälsa är frivilligt. Kryssa i rutan om ni har pratat om hälsa och "
                  "arbetsmiljö; bara att ni har pratat om det arkiveras."),
        ("check", "health_discussed"),
        ("field", "health_notes", "Stannar i dokumentet och arkiveras aldrig i HR:s lista."),
        ("field", "manager_feedback", "Medarbetarens återkoppling på ledarskapet. Stannar i "
                                      "dokumentet och arkiveras inte."),
        ("h2", "Bekräftelse"),
        ("guide", "Kryssa i när ni båda har läst dokumentationen och är överens om att den stämmer. "
                  "När båda rutorna är ikryssade arkiveras formuläret."),
        ("check", "employee_confirmed"),
        ("check", "manager_confirmed"),
    ],
    "en": [
        ("title", "Employee dialogue documentation"),
        ("subtitle", "{{ campaign_title }}"),
        ("fields", ["employee_name", "manager_name", "meeting_date"]),
        ("guide", "Fill in the form together during or right after the talk. Write in the grey "
                  "fields; text outside them is not read. Bullet lists and line breaks are fine."),
        ("field", "previous_goals_followup", "How did last year's goals and development plan work out?"),
        ("field", "goals", "One to three concrete goals for the coming year that can be followed up."),
        ("field", "development_plan", "What the employee will do to develop, and with which support."),
        ("field", "competence_needs", "The employee's and the unit's competence needs ahead."),
        ("field", "expectations", "What you expect of each other during the year."),
        ("h2", "Health and work environment"),
        ("guide", "Talking about health is voluntary. Tick the box if you talked about health and the "
                  "work environment; only the fact that you did is filed."),
        ("check", "health_discussed"),
        ("field", "health_notes", "Stays in this document and is never filed in HR's list."),
        ("field", "manager_feedback", "The employee's feedback on the leadership. Stays in this "
                                      "document and is not filed."),
        ("h2", "Confirmation"),
        ("guide", "Tick when you have both read the documentation and agree that it is right. When "
                  "both boxes are ticked, the form is filed."),
        ("check", "employee_confirmed"),
        ("check", "manager_confirmed"),
    ],
}

CONTENT = {"prep_guide": PREP_GUIDE, "manager_guide": MANAGER_GUIDE, "form": FORM}
TITLES = {
    "prep_guide": {"sv": "Förberedelse inför medarbetarsamtalet", "en": "Preparing for your employee dialogue"},
    "manager_guide": {"sv": "Chefsstöd för medarbetarsamtal", "en": "Manager's guide to employee dialogues"},
    "form": {"sv": "Dokumentation av medarbetarsamtal", "en": "Employee dialogue documentation"},
}
