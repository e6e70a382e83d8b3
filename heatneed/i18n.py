"""Interface text in English and Ukrainian for the app.

Only the interface is translated. The exported priority list keeps the English column names and
labels of DESIGN §5, so that it is byte-identical to the command line's output.
"""

from __future__ import annotations

import re

LANGUAGES = {"en": "English", "uk": "Українська"}

#: key -> (English, Ukrainian). Placeholders in braces must match in both.
STRINGS: dict[str, tuple[str, str]] = {
    # header
    "title": ("Heating need: who needs help first", "Потреба в обігріві: кому допомогти першими"),
    "subtitle": ("Districts ranked by the risk to residents of buildings without heat, from the weather "
                 "forecast, power-outage status and counts of unheated buildings.",
                 "Райони впорядковано за ризиком для мешканців будинків без опалення — за прогнозом погоди, "
                 "станом знеструмлень і кількістю неопалюваних будинків."),
    "language": ("Language", "Мова"),
    "view": ("Show", "Показати"),
    "view_published": ("Published list", "Опублікований список"),
    "view_model": ("Model here (your inputs and settings)", "Модель тут (ваші дані й налаштування)"),
    "view_help": ("The published list is what the scheduled refresh ranked. “Model here” ranks the inputs "
                  "and settings of this page (uploads, edits, settings switch to it).",
                  "Опублікований список — це результат планового оновлення. «Модель тут» рахує дані й "
                  "налаштування цієї сторінки (завантаження, зміни й налаштування перемикають на неї)."),
    "source_published": ("Published priority list from {folder}, {age} old (published {published}).",
                         "Опублікований пріоритетний список з {folder}, вік {age} (опубліковано {published})."),
    "published_inputs": ("Published from: {files}", "Опубліковано з: {files}"),
    "source_embedded": ("Embedded ILLUSTRATIVE scenario (Kyiv, February 2026): not real district data; "
                        "do not use it to direct aid.",
                        "Вбудований ІЛЮСТРАТИВНИЙ сценарій (Київ, лютий 2026): це не реальні дані районів; "
                        "не використовуйте його для розподілу допомоги."),
    "source_files": ("Data in use: {files}", "Використані дані: {files}"),
    "data_as_of": ("Data as of", "Дані станом на"),
    "forecast_issued": ("Forecast issued at", "Прогноз випущено"),
    "forecast_source": ("Forecast source", "Джерело прогнозу"),
    "times_note": ("Times in Kyiv time.", "Час — київський."),
    "stale": ("STALE forecast: the live source failed and an older forecast is in use. Check when it was "
              "issued before acting on this list.",
              "ЗАСТАРІЛИЙ прогноз: оперативне джерело не відповіло, використано старіший прогноз. Перевірте час "
              "випуску, перш ніж діяти за цим списком."),
    "published_stale": ("The published list is marked STALE by the refresh job ({age} old).",
                        "Оновлення позначило опублікований список як ЗАСТАРІЛИЙ (вік {age})."),
    "age_hours": ("{hours} h", "{hours} год"),
    "kf_residents": ("Residents in unheated buildings", "Мешканців без тепла"),
    "kf_residents_help": ("Sum over districts of the latest reports (estimated per building where no "
                          "residents count was reported).",
                          "Сума за районами з останніх звітів (оцінка на будинок, якщо кількість мешканців "
                          "не повідомлено)."),
    "kf_severe": ("Districts at severity 4–5", "Районів із тяжкістю 4–5"),
    "kf_severe_value": ("{count} of {total}", "{count} з {total}"),
    "kf_coldest": ("Coldest hour outdoors", "Найхолодніша година надворі"),
    "kf_coldest_help": ("Lowest ensemble-median outdoor temperature of any district within the horizon.",
                        "Найнижча медіанна (за ансамблем) температура надворі в будь-якому районі в межах "
                        "горизонту."),
    "kf_earliest": ("First homes below 12 °C", "Перші помешкання нижче 12 °C"),
    "kf_earliest_help": ("Earliest time at which modelled indoor temperature in a district's unheated homes "
                         "falls below 12 °C (ensemble median).",
                         "Найраніший час, коли модельована температура в неопалюваних помешканнях району "
                         "опускається нижче 12 °C (медіана ансамблю)."),
    "already": ("already below", "вже нижче"),
    "after_hours": ("after {hours} h", "через {hours} год"),
    "not_within": ("not within {hours} h", "не впродовж {hours} год"),
    "none_exposed": ("no unheated homes", "немає неопалюваних помешкань"),
    # tabs
    "tab_list": ("Priority list", "Пріоритетний список"),
    "tab_map": ("Map", "Мапа"),
    "tab_inputs": ("Inputs", "Вхідні дані"),
    "tab_about": ("About the model", "Про модель"),
    # priority table
    "col_rank": ("Rank", "Місце"),
    "col_district": ("District", "Район"),
    "col_severity": ("Severity", "Тяжкість"),
    "col_risk": ("Risk 0–10", "Ризик 0–10"),
    "col_residents": ("Residents without heat", "Мешканців без тепла"),
    "col_buildings": ("Unheated buildings", "Неопалюваних будинків"),
    "col_outage": ("Power outages", "Знеструмлення"),
    "col_hours_off": ("Hours off per day", "Годин без світла на добу"),
    "col_min_temp": ("Coldest outdoors °C", "Мін. надворі, °C"),
    "col_min_chill": ("Coldest wind chill °C", "Мін. з вітром, °C"),
    "col_min_indoor": ("Coldest indoors °C", "Мін. у помешканні, °C"),
    "col_hours_12": ("Hours to 12 °C", "Годин до 12 °C"),
    "col_hours_5": ("Hours to 5 °C", "Годин до 5 °C"),
    "col_p12": ("P(below 12 °C)", "Імовірність < 12 °C"),
    "col_driver": ("Main driver", "Головний чинник"),
    "col_completeness": ("Data completeness", "Повнота даних"),
    "table_help": ("Select a row (or a district below) to see its forecast and indoor temperatures. "
                   "—: not within the horizon, or no data.",
                   "Виберіть рядок (або район нижче), щоб побачити прогноз і температуру в помешканнях. "
                   "—: не в межах горизонту або немає даних."),
    "download_csv": ("Download priority list (CSV)", "Завантажити пріоритетний список (CSV)"),
    "download_hxl": ("Download with HXL tags (CSV)", "Завантажити з тегами HXL (CSV)"),
    "download_help": ("The same bytes as `python -m heatneed rank --out FILE` for the same inputs and "
                      "settings: DESIGN §5 columns, English labels.",
                      "Ті самі байти, що й `python -m heatneed rank --out FILE` для тих самих даних і "
                      "налаштувань: стовпці DESIGN §5, англійські назви."),
    # district detail
    "district": ("District", "Район"),
    "detail_title": ("District detail", "Деталі району"),
    "chart_outdoor": ("Outdoor temperature and wind chill", "Температура надворі й відчутна з вітром"),
    "chart_indoor": ("Modelled indoor temperature in unheated homes", "Модельована температура в неопалюваних "
                                                                       "помешканнях"),
    "series_outdoor": ("outdoor, median", "надворі, медіана"),
    "series_wind_chill": ("wind chill, median", "з вітром, медіана"),
    "series_outdoor_band": ("outdoor, ensemble P10–P90", "надворі, ансамбль P10–P90"),
    "series_indoor": ("indoor, median (τ {tau} h)", "у помешканні, медіана (τ {tau} год)"),
    "series_indoor_band": ("indoor, ensemble P10–P90", "у помешканні, ансамбль P10–P90"),
    "series_tau_band": ("indoor, τ {low}–{high} h", "у помешканні, τ {low}–{high} год"),
    "axis_time": ("Time (Kyiv)", "Час (Київ)"),
    "axis_temp": ("°C", "°C"),
    "axis_power": ("power", "світло"),
    "chart_power": ("Share of each hour with power (bars): from the outage schedule when uploaded, else the "
                    "daily status.",
                    "Частка кожної години зі світлом (стовпчики): за графіком відключень, якщо його "
                    "завантажено, інакше за добовим станом."),
    "thresholds_title": ("Hours until indoor temperature falls below", "Годин до падіння температури нижче"),
    "th_threshold": ("Threshold", "Поріг"),
    "th_median": ("Hours, median", "Годин, медіана"),
    "th_ensemble": ("Ensemble P10–P90", "Ансамбль P10–P90"),
    "th_tau": ("τ {low} h … τ {high} h", "τ {low} год … τ {high} год"),
    "th_when": ("When (median)", "Коли (медіана)"),
    "th_18": ("{c} °C: WHO minimum", "{c} °C: мінімум ВООЗ"),
    "th_12": ("{c} °C: cardiovascular strain", "{c} °C: навантаження на серце й судини"),
    "th_5": ("{c} °C: hypothermia risk; drain heating systems",
             "{c} °C: ризик переохолодження; зливати системи опалення"),
    "never": ("not within horizon", "не в межах горизонту"),
    "detail_published": ("The published list carries no hourly series. Choose “{model}” in the sidebar to "
                         "model this district here.",
                         "Опублікований список не містить погодинних рядів. Виберіть «{model}» на бічній "
                         "панелі, щоб змоделювати цей район тут."),
    "history_title": ("Risk in recent published lists", "Ризик в останніх опублікованих списках"),
    "axis_published": ("Published (Kyiv)", "Опубліковано (Київ)"),
    # map
    "map_caption": ("Colour: severity. Size: residents of unheated buildings. The points and names draw "
                    "without map tiles.",
                    "Колір — тяжкість. Розмір — мешканці неопалюваних будинків. Точки й назви видно й без "
                    "підкладки мапи."),
    "map_no_coords": ("No coordinates for these districts, so no map.", "Для цих районів немає координат, "
                                                                         "тому мапи немає."),
    # inputs
    "inputs_intro": ("Upload today's files or correct the counts below. A rejected file or edit changes "
                     "nothing: the last good data stays in use.",
                     "Завантажте сьогоднішні файли або виправте дані нижче. Відхилений файл чи зміна нічого "
                     "не змінюють: далі діють останні правильні дані."),
    "upload_unheated": ("Unheated buildings (CSV from Excel, or Parquet)",
                        "Будинки без опалення (CSV з Excel або Parquet)"),
    "upload_outages": ("Power outages (CSV from Excel, or Parquet)", "Знеструмлення (CSV з Excel або Parquet)"),
    "upload_forecast": ("Forecast (CSV, Parquet, NetCDF, GRIB or Open-Meteo JSON)",
                        "Прогноз (CSV, Parquet, NetCDF, GRIB або JSON Open-Meteo)"),
    "upload_help": ("Columns as in DESIGN §2; `;` or `,` separators, decimal commas and Cyrillic are fine.",
                    "Стовпці як у DESIGN §2; роздільники `;` або `,`, десяткові коми й кирилиця допустимі."),
    "upload_outage_schedule": ("Hourly outage schedule (DTEK or Yasno JSON, CSV/XLSX queue, start, end)",
                               "Погодинний графік відключень (JSON ДТЕК чи Yasno, CSV/XLSX queue, start, end)"),
    "upload_district_queues": ("Queues per district (CSV/XLSX district_code, queue, share)",
                               "Черги в районах (CSV/XLSX district_code, queue, share)"),
    "schedule_upload_help": ("Times without an offset are Kyiv time. Each district's shares of the queues must "
                             "sum to 1; districts not listed keep their daily outage status.",
                             "Час без зсуву — київський. Частки черг кожного району мають у сумі давати 1; "
                             "райони, яких немає у файлі, лишаються з добовим станом знеструмлень."),
    "schedule_pending": ("Not used yet: upload the other hourly-power file too (schedule and queues per "
                         "district go together).",
                         "Ще не використовується: завантажте й другий файл (графік і черги районів "
                         "діють лише разом)."),
    "upload_rejected": ("“{name}” was not used; the previous data stays in use:",
                        "Файл «{name}» не використано; далі діють попередні дані:"),
    "in_use_upload": ("In use: {name}", "Використовується: {name}"),
    "in_use_edited": ("In use: your edits in the table below", "Використовуються: ваші зміни в таблиці нижче"),
    "in_use_embedded": ("In use: embedded scenario ({name})", "Використовується: вбудований сценарій ({name})"),
    "reset_inputs": ("Back to the embedded scenario", "Повернутися до вбудованого сценарію"),
    "editor_title": ("Correct counts and outage status", "Виправити кількість і стан знеструмлень"),
    "editor_help": ("Each changed row counts as a new report made now. Uploading an unheated or outage file "
                    "starts again from that file.",
                    "Кожен змінений рядок — це новий звіт, зроблений зараз. Завантаження файлу про опалення "
                    "чи знеструмлення починає знову з цього файлу."),
    "edit_rejected": ("These edits were not used; the last good data stays in use:",
                      "Ці зміни не використано; далі діють останні правильні дані:"),
    "download_edited": ("Download {name} (the edited reports, for the command line)",
                        "Завантажити {name} (змінені звіти, для командного рядка)"),
    "col_residents_known": ("Residents (if counted)", "Мешканців (якщо пораховано)"),
    "col_status": ("Outage status", "Стан знеструмлення"),
    # settings
    "settings": ("Model settings", "Налаштування моделі"),
    "settings_help": ("Changing a setting re-ranks at once. Defaults and their sources: "
                      "heatneed/defaults.toml.",
                      "Зміна налаштування одразу перераховує список. Типові значення та їхні джерела: "
                      "heatneed/defaults.toml."),
    "reset_settings": ("Reset to defaults", "Скинути до типових"),
    "settings_rejected": ("These settings are not valid; the defaults are in use:",
                          "Ці налаштування недійсні; діють типові:"),
    "default_source": ("Default {value}. {source}", "Типово {value}. {source}"),
    "set_horizon_hours": ("Forecast horizon [h]", "Горизонт прогнозу [год]"),
    "set_tau_hours": ("Building time constant τ [h]", "Стала часу будівлі τ [год]"),
    "set_tau_low_hours": ("τ band, low end [h]", "Діапазон τ, нижня межа [год]"),
    "set_tau_high_hours": ("τ band, high end [h]", "Діапазон τ, верхня межа [год]"),
    "set_initial_indoor_c": ("Indoor temperature when heat is lost [°C]",
                             "Температура в помешканні на момент втрати тепла [°C]"),
    "set_internal_gain_k": ("Internal gains [K]", "Внутрішні теплонадходження [K]"),
    "set_heater_gain_k": ("Electric heating while powered [K]", "Електрообігрів, коли є світло [K]"),
    "set_residents_per_building": ("Residents per building, where not reported",
                                   "Мешканців на будинок, якщо не повідомлено"),
    "set_warming_place_target_share": ("Warming places needed for this share of residents",
                                       "Частка мешканців, для якої потрібні місця обігріву"),
    # about
    "about": ("Indoor temperature follows first-order cooling toward an equilibrium set by the outdoor "
              "temperature, internal gains and electric heating while the power is on: "
              "T_in[k+1] = T_eq[k] + (T_in[k] − T_eq[k])·exp(−Δt/τ). Health bands after WHO 2018 (18 °C) and "
              "Collins 1986 (16/12/9/5 °C). Scores follow INFORM: risk is the geometric mean of hazard & "
              "exposure, vulnerability and lack of coping capacity, 0–10 on fixed scales; severity 1–5. "
              "Missing data is never imputed; the completeness column says what is missing. τ is uncertain "
              "(12–200 h in the literature): the detail chart shows how the answer moves with it.",
              "Температура в помешканні знижується за моделлю першого порядку до рівноваги, яку задають "
              "температура надворі, внутрішні теплонадходження та електрообігрів, поки є світло: "
              "T_in[k+1] = T_eq[k] + (T_in[k] − T_eq[k])·exp(−Δt/τ). Межі для здоров'я — за ВООЗ 2018 (18 °C) "
              "та Collins 1986 (16/12/9/5 °C). Оцінки побудовано за INFORM: ризик — середнє геометричне "
              "загрози й впливу, вразливості та браку спроможності впоратися, 0–10 на фіксованих шкалах; "
              "тяжкість 1–5. Відсутні дані ніколи не домислюються; стовпець повноти показує, чого бракує. "
              "τ невизначена (12–200 год у літературі): графік району показує, як від неї залежить результат."),
}

#: Values that come from the model or the input files, translated for display only.
SEVERITY_LABELS_UK = {
    "None/Minimal": "Відсутня/мінімальна", "Stress": "Напружена", "Severe": "Тяжка",
    "Extreme": "Екстремальна", "Catastrophic": "Катастрофічна",
}
DRIVERS_UK = {
    "indoor cold": "холод у помешканнях", "people exposed": "кількість людей",
    "older residents": "літні мешканці", "hours without power": "години без світла",
    "few warming places": "брак пунктів обігріву",
}
OUTAGE_STATUS = {
    "none": ("none", "немає"), "scheduled": ("scheduled", "за графіком"),
    "emergency": ("emergency", "аварійні"), "unknown": ("unknown", "невідомо"),
}
COMPLETENESS_UK = {
    "complete": "повні", "missing: ": "бракує: ", "unheated count": "кількості неопалюваних",
    "outage status (model assumes no power)": "стану знеструмлення (модель вважає, що світла немає)",
    "share_65plus": "частки 65+", "warming_places": "місць обігріву",
    "residents estimated at": "мешканців оцінено в", "per building": "на будинок",
}


def text(key: str, lang: str, **values) -> str:
    """The interface string ``key`` in ``lang`` (``en`` or ``uk``) with ``values`` filled in."""
    english, ukrainian = STRINGS[key]
    return (ukrainian if lang == "uk" else english).format(**values)


def severity_label(label: str, lang: str) -> str:
    return SEVERITY_LABELS_UK.get(label, label) if lang == "uk" else label


def driver(name: str, lang: str) -> str:
    return DRIVERS_UK.get(name, name) if lang == "uk" else name


def outage_status(status: str, lang: str) -> str:
    pair = OUTAGE_STATUS.get(status)
    return status if pair is None else pair[1 if lang == "uk" else 0]


def completeness(note: str, lang: str) -> str:
    """The pipeline's completeness note in ``lang`` (known phrases translated, the rest kept)."""
    if lang != "uk" or not note:
        return note
    pattern = re.compile("|".join(re.escape(k) for k in sorted(COMPLETENESS_UK, key=len, reverse=True)))
    return pattern.sub(lambda m: COMPLETENESS_UK[m.group(0)], note)


def placeholders(s: str) -> set[str]:
    """Names in braces of a format string (for checking that both languages match)."""
    return set(re.findall(r"{(\w+)}", s))
