using Hotline.SharedKernel;
using Hotline.Ticketing.Domain;

namespace Hotline.Ticketing.Cases;

/// <summary>How much of a complainant's identity a viewer sees.</summary>
internal enum PersonalDataView
{
    /// <summary>In full (audited).</summary>
    Full,
    /// <summary>138****1234, 张**</summary>
    Masked,
    /// <summary>Not at all: 企业直通车 accounts unless the complainant allowed it.</summary>
    Hidden,
}

/// <summary>Who may see which case, and how much of the person behind it.</summary>
internal static class Visibility
{
    /// <summary>Enterprise accounts see only cases routed to their enterprise; unit-bound handlers only their unit's.</summary>
    public static bool MayRead(Actor actor, WorkOrder order)
    {
        if (actor.SeesPersonalData || actor.Is(HotlineRoles.Officer) || actor.Is(HotlineRoles.Analyst) || actor.Is(HotlineRoles.Node))
        {
            return true;
        }

        if (actor.Is(HotlineRoles.Enterprise))
        {
            return order.HandledByEnterprise && actor.Enterprise is not null && order.HandlingUnit == actor.Enterprise;
        }

        if (actor.Is(HotlineRoles.Handler))
        {
            return actor.Unit is null || order.HandlingUnit == actor.Unit;
        }

        return false;
    }

    public static bool MayAct(Actor actor, WorkOrder order) =>
        actor.SeesPersonalData || MayRead(actor, order) && (actor.Is(HotlineRoles.Handler) || actor.Is(HotlineRoles.Enterprise));

    public static PersonalDataView ViewOf(Actor actor, WorkOrder order)
    {
        if (actor.SeesPersonalData)
        {
            return PersonalDataView.Full;
        }

        if (actor.Is(HotlineRoles.Enterprise))
        {
            return order.DiscloseToEnterprise && !order.Confidential ? PersonalDataView.Full : PersonalDataView.Hidden;
        }

        return PersonalDataView.Masked;
    }
}
